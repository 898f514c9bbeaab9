"""Thermodynamic checks of a designed system, and the check table (``checks.csv``).

Rows (``Check(check, subject, value, threshold, passed)``):

* ``rule:<name>`` — one summary row per sequence rule (value = violations), then one row per
  violation (at most ``max_rule_rows`` per rule);
  the ``rule:unique_kmer`` summary states the k-mer rule: k adaptive (the smallest k >= 6 whose
  k-mer load is <= 0.25; IRIS k = 9), shorter shared stretches judged by the thermodynamic rows;
* ``crosstalk_rate`` — fraction of ordered long/history domain pairs (a, b) with ViennaRNA MFE of
  ``a + b*`` below ``spurious_min_kcal`` (all pairs up to ``crosstalk_pairs``, else a seeded sample)
  against ``crosstalk_max_rate``;
* ``toehold_occlusion`` — per toehold Σ [strand]/Kd over the stray copies of its sequence in single
  strands (``sequences.occlusion``): a row per failing toehold and the worst; sites to ``occlusion.csv``;
* ``strand_mfe`` — each distinct strand's MFE ΔG (kcal/mol) >= ``strand_mfe_min_kcal``. Above
  ``max_strands`` strands a seeded sample (plus the 50 longest) is folded and a summary row says
  "sampled n of N";
* ``complex_defect`` — normalised ensemble defect of each gate/fuel/helper complex against the
  structure its kernel names (``sequences.structure``). Complexes too big to fold whole are split
  at nicks (``split_complex``; the subject says into how many pieces); above ``max_complexes`` a
  seeded sample is checked and a summary row says so;
* ``spurious_dG`` — the exhaustive screen (``sequences.screen``, up to ``screen_max_pairs`` pairs):
  every pair of a strand that is or becomes single-stranded with every strand of the tube (complement
  strands by their exposed domains, ``sequences.exposure``), hybrid ΔG with the designed pairings taken
  out, against ``spurious_min_kcal``; rows: every failing pair (worst first, at most ``max_rule_rows``)
  and the worst, plus a ``spurious_screen`` row: pairs screened against pairs claimed, F(F+1)/2 +
  F(N-F) (IRIS: 65,682; pairs whose proven bounds decide the verdict are not folded, the listed rows
  are, ``sequences.screen_bound``). Above ``screen_max_pairs`` (mnist14 scale) pairs sharing a
  complementary k-mer outside designed complementarity (most shared first) and a
  seeded random sample of pairs are evaluated instead, long strands cut to windows of
  ``spurious_flank_nt`` around their longest complementary stretch, with ``spurious_screen``
  summaries (flagged, evaluated, sampled out of all pairs).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sequences.codes import encode, revcomp_codes
from sequences.exposure import expose
from sequences.rules import RULE_NAMES
from sequences.structure import kernel_to_target, split_complex
from sequences.thermo import ThermoBackend

CHECK_ROLES = ("gate", "fuel", "helper")


@dataclass(frozen=True)
class Check:
    """One row of the check table."""

    check: str
    subject: str
    value: float
    threshold: float
    passed: bool


@dataclass(frozen=True)
class CheckOptions:
    """How much of a big system the thermodynamic checks look at (all of a small one)."""

    max_strands: int = 2000
    max_complexes: int = 300
    piece_nt: int = 200
    piece_strands: int = 4
    spurious_k: int | None = None  # None: the design's k (clamped to 6..12)
    spurious_flagged: int = 300
    spurious_random: int = 300
    spurious_flank_nt: int = 20
    spurious_whole_nt: int = 120  # pairs this short (both strands together) are folded whole
    max_rule_rows: int = 50
    crosstalk_pairs: int = 50_000  # ordered long/history pairs folded for crosstalk_rate (a seeded sample above)
    crosstalk_shuffled_pairs: int = 5_000  # of those, folded again with each domain's letters shuffled (baseline)
    spurious_scope: str = "free"  # sampled screen: "free" strands that can be single in the tube; "all"
    screen_max_pairs: int = 200_000  # up to this many pairs the exhaustive screen (sequences.screen) runs
    screen_workers: int | None = None  # processes of the exhaustive screen (None: up to 2)
    screen_compute: object | None = None  # a crn.tasks.Compute: Dask workers for the screen's folds (None: local)

    def __post_init__(self) -> None:
        for name, lo in (("max_strands", 0), ("max_complexes", 0), ("piece_nt", 20), ("piece_strands", 2),
                         ("spurious_flagged", 0), ("spurious_random", 0), ("spurious_flank_nt", 0),
                         ("spurious_whole_nt", 0), ("max_rule_rows", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < lo:
                raise ValueError(f"CheckOptions.{name} must be an integer >= {lo}, got {value!r}")
        if self.spurious_scope not in ("free", "all"):
            raise ValueError(f"CheckOptions.spurious_scope must be 'free' or 'all', got {self.spurious_scope!r}")


def folding_rows(design, backend: ThermoBackend, options: CheckOptions | None = None, seed: int = 0) -> list[Check]:
    """The ``strand_mfe`` and ``complex_defect`` rows of ``design``: what the refinement of the
    search repairs (so it can run them alone, and :func:`run_checks` reuse them)."""
    options = CheckOptions() if options is None else options
    rules = design.rules
    every = distinct_strands(design)
    strands, strands_sampled, complexes, complexes_sampled = checked_subjects(design, options, seed, every)
    t0 = time.perf_counter()
    rows = strand_mfe_rows(strands, backend, rules.strand_mfe_min_kcal, strands_sampled, len(every))
    t1 = time.perf_counter()
    rows += complex_defect_rows(design, complexes, backend, rules.complex_defect_max, options, complexes_sampled)
    design.stats.setdefault("timings_s", {}).update(
        {"strand_mfe_s": t1 - t0, "complex_defect_s": time.perf_counter() - t1})
    return rows


def run_checks(design, backend: ThermoBackend, options: CheckOptions | None = None, seed: int = 0,
               folding: list[Check] | None = None) -> list[Check]:
    """The whole check table of ``design`` (a :class:`sequences.design.Design`); ``folding``: the
    :func:`folding_rows` of these very sequences, when already computed."""
    options = CheckOptions() if options is None else options
    rules = design.rules
    rows = rule_rows(design, options)
    t_x = time.perf_counter()
    rows += crosstalk_rows(design, backend, options, np.random.default_rng([int(seed), 4]))
    rows += occlusion_rows(design, backend)
    t_o = time.perf_counter()
    every = distinct_strands(design)
    rows += folding_rows(design, backend, options, seed) if folding is None else folding
    t2 = time.perf_counter()
    domain_nt = {name: d.length for name, d in design.system.domains.items()}
    free = free_strands(design, every)
    every = expose(design.system, every, {s.domains for s in free})  # complement strands: exposed domains only
    if (n_free := len(free)) * (n_free + 1) // 2 + n_free * (len(every) - n_free) <= options.screen_max_pairs:
        rows += screen_rows(every, {s.domains for s in free}, domain_nt, backend, rules.spurious_min_kcal, options,
                            design.stats)
    else:  # mnist14 scale: k-mer flagged pairs and a seeded sample
        pool = every if options.spurious_scope == "all" else free
        rows += spurious_rows(pool, domain_nt, backend, rules.spurious_min_kcal, options.spurious_k or
                              min(max(design.kmer_k, 6), 12), options, np.random.default_rng([int(seed), 3]))
    t3 = time.perf_counter()
    design.stats.setdefault("timings_s", {}).update(
        {"crosstalk_occlusion_s": t_o - t_x, "spurious_s": t3 - t2})
    return rows


def checked_subjects(design, options: CheckOptions, seed: int, strands: list | None = None):
    """The strands folded for ``strand_mfe`` and the complexes for ``complex_defect``: all of them,
    or seeded samples above ``max_strands`` / ``max_complexes`` (the 50 longest strands always in).
    Returns (strands, strands sampled?, complexes, complexes sampled?)."""
    strands = distinct_strands(design) if strands is None else strands
    longest = np.argsort([-len(s.sequence) for s in strands], kind="stable")[:50].tolist()
    idx, s_sampled = _sample(len(strands), options.max_strands, np.random.default_rng([int(seed), 1]), longest)
    complexes = [cx for cx in design.system.complexes if cx.role in CHECK_ROLES]
    cdx, c_sampled = _sample(len(complexes), options.max_complexes, np.random.default_rng([int(seed), 2]))
    return [strands[i] for i in idx], s_sampled, [complexes[i] for i in cdx], c_sampled


def rule_rows(design, options: CheckOptions) -> list[Check]:
    rows = []
    load = design.stats.get("kmer_load")
    kmer_note = (f"all domains (k = {design.kmer_k} adaptive: the smallest k >= 6 with k-mer load <= 0.25"
                 + (f", load {load:.2f}" if load is not None else "")
                 + "; shorter shared stretches are judged by crosstalk_rate, toehold_occlusion, spurious_dG)")
    for name in RULE_NAMES:
        found = [v for v in design.violations if v.rule == name]
        rows.append(Check(f"rule:{name}", kmer_note if name == "unique_kmer" else "all domains",
                          float(len(found)), 0.0, not found))
        for v in found[: options.max_rule_rows]:
            rows.append(Check(f"rule:{name}", f"{v.subject}: {v.detail}", v.excess, 0.0, False))
    return rows


@dataclass(frozen=True)
class _Strand:
    name: str
    sequence: str
    domains: tuple[str, ...]


def distinct_strands(design) -> list[_Strand]:
    """Distinct strands (by domain list), named after their first occurrence."""
    seen: dict[tuple[str, ...], _Strand] = {}
    for rec in design.strand_records():
        if rec.domains not in seen:
            seen[rec.domains] = _Strand(rec.name, rec.sequence, rec.domains)
    return list(seen.values())


def free_strands(design, strands: list[_Strand]) -> list[_Strand]:
    """Strands that can be single-stranded in the reaction tube: the strand of every one-strand
    complex (signals, helpers) and every strand written without complement domains (the strands
    gates and fuels release; the complement strands stay in gate and waste duplexes, exposing only
    toeholds). With the three-letter code these are the A/C/T strands."""
    single = {cx.strands[0] for cx in design.system.complexes if len(cx.strands) == 1}
    return [s for s in strands if s.domains in single or not any(d.endswith("*") for d in s.domains)]


def _sample(n: int, limit: int, rng: np.random.Generator, always: Sequence[int] = ()) -> tuple[list[int], bool]:
    if n <= limit:
        return list(range(n)), False
    chosen = set(list(always)[:limit])
    rest = np.setdiff1d(np.arange(n), np.fromiter(chosen, dtype=np.int64, count=len(chosen)))
    chosen.update(rng.choice(rest, size=limit - len(chosen), replace=False).tolist())
    return sorted(chosen), True


def strand_mfe_rows(strands: list[_Strand], backend: ThermoBackend, threshold: float, sampled: bool,
                    of: int | None = None) -> list[Check]:
    rows = []
    for s in strands:
        _, dG = backend.mfe([s.sequence])
        rows.append(Check("strand_mfe", s.name, round(float(dG), 3), threshold, dG >= threshold))
    if sampled and rows:
        worst = min(r.value for r in rows)
        rows.append(Check("strand_mfe", f"sampled {len(strands)} of {of} strands (seeded; the 50 longest included)",
                          worst, threshold, worst >= threshold))
    return rows


def complex_defect(strands: Sequence[str], structure: str, backend: ThermoBackend, options: CheckOptions
                   ) -> tuple[float, int]:
    """Ensemble defect of a complex (nucleotide-weighted over its pieces) and the number of pieces."""
    pieces = split_complex(strands, structure, options.piece_nt, options.piece_strands)
    total = sum(p.nucleotides for p in pieces)
    wrong = sum(backend.ensemble_defect(list(p.strands), p.structure) * p.nucleotides for p in pieces)
    return wrong / total, len(pieces)


def complex_defect_rows(design, complexes, backend: ThermoBackend, threshold: float, options: CheckOptions,
                        sampled: bool) -> list[Check]:
    rows = []
    for cx in complexes:
        strands, structure = kernel_to_target(cx.kernel, design.sequences)
        defect, pieces = complex_defect(strands, structure, backend, options)
        subject = cx.name if pieces == 1 else f"{cx.name} (split into {pieces} pieces)"
        rows.append(Check("complex_defect", subject, round(defect, 4), threshold, defect <= threshold))
    if sampled and rows:
        total = sum(cx.role in CHECK_ROLES for cx in design.system.complexes)
        worst = max(r.value for r in rows)
        rows.append(Check("complex_defect", f"sampled {len(complexes)} of {total} gate/fuel/helper complexes "
                                            f"(seeded)", worst, threshold, worst <= threshold))
    return rows


# --- crosstalk and toehold occlusion ------------------------------------------------------------


def crosstalk_rows(design, backend: ThermoBackend, options: CheckOptions, rng: np.random.Generator) -> list[Check]:
    """``crosstalk_rate``: fraction of ordered long/history pairs (a, b), a != b, whose MFE of
    ``a + b*`` is below ``spurious_min_kcal``; the worst pair is named."""
    from sequences.codes import revcomp

    names = [n for n, d in design.system.domains.items() if d.kind in ("long", "history")]
    n = len(names)
    total = n * (n - 1)
    if total == 0:
        return []
    if total <= options.crosstalk_pairs:
        pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    else:
        a = rng.integers(n, size=options.crosstalk_pairs)
        b = (a + rng.integers(1, n, size=options.crosstalk_pairs)) % n
        pairs = list(zip(a.tolist(), b.tolist()))
    seqs = design.sequences
    dG = np.array([backend.mfe([seqs[names[a]], revcomp(seqs[names[b]])])[1] for a, b in pairs])
    threshold = design.rules.spurious_min_kcal
    rate = float(np.mean(dG < threshold))
    w = int(np.argmin(dG))
    edges = np.arange(-30.0, 1.0, 1.0)
    counts, _ = np.histogram(np.clip(dG, -30.0, 0.0), bins=edges)
    # baseline: the same domains with their letters shuffled (same composition), a seeded sample of pairs
    shuffled = {x: "".join(rng.permutation(list(seqs[x]))) for x in names}
    take = rng.choice(len(pairs), size=min(len(pairs), options.crosstalk_shuffled_pairs), replace=False)
    dG_sh = np.array([backend.mfe([shuffled[names[pairs[k][0]]], revcomp(shuffled[names[pairs[k][1]]])])[1]
                      for k in sorted(take.tolist())])
    counts_sh, _ = np.histogram(np.clip(dG_sh, -30.0, 0.0), bins=edges)
    rate_sh = float(np.mean(dG_sh < threshold)) if len(dG_sh) else float("nan")
    design.stats["crosstalk"] = {"pairs": len(pairs), "of": total, "rate": rate, "threshold_kcal": threshold,
                                 "histogram_kcal": {"edges": edges.tolist(), "counts": counts.tolist()},
                                 "shuffled": {"pairs": len(dG_sh), "rate": rate_sh, "counts": counts_sh.tolist()}}
    what = f"all {total}" if len(pairs) == total else f"sampled {len(pairs)} of {total} (seeded)"
    return [Check("crosstalk_rate", f"{what} ordered long/history pairs with dG(a + b*) < {threshold:g} kcal/mol; "
                                    f"worst {names[pairs[w][0]]}+{names[pairs[w][1]]}* {dG[w]:.2f}; the same domains "
                                    f"shuffled: {rate_sh:.4f} ({len(dG_sh)} pairs, seeded)",
                  round(rate, 4), design.rules.crosstalk_max_rate, rate <= design.rules.crosstalk_max_rate)]


def occlusion_rows(design, backend: ThermoBackend) -> list[Check]:
    """``toehold_occlusion``: Σ [strand]/Kd per toehold (stray copies of its sequence in single
    strands); one row per failing toehold and the worst. Stores the sites in ``design.occlusion``."""
    from sequences.occlusion import OcclusionModel, occupancy

    model, limit = OcclusionModel(backend), design.rules.occlusion_max
    design.occlusion = model.sites(design.system, design.sequences)
    toeholds = [d.name for d in design.system.domains.values() if d.kind == "toehold"]
    occ = occupancy(design.occlusion, toeholds)
    if not occ:
        return []
    rows = [Check("toehold_occlusion", t, round(v, 5), limit, False)
            for t, v in sorted(occ.items(), key=lambda kv: -kv[1]) if v > limit]
    t, v = max(occ.items(), key=lambda kv: kv[1])
    more = " or more (counting stopped: occupancies are lower bounds)" if model.truncated else ""
    rows.append(Check("toehold_occlusion", f"worst: {t} ({len(design.occlusion)}{more} stray sites in single strands)",
                      round(v, 5), limit, v <= limit))
    return rows


# --- spurious pairs ------------------------------------------------------------------------------


def _signed_domains(strands: list[_Strand]) -> tuple[list[np.ndarray], dict[str, int]]:
    names: dict[str, int] = {}
    out = []
    for s in strands:
        out.append(np.array([2 * names.setdefault(d.rstrip("*"), len(names)) + d.endswith("*") for d in s.domains],
                            dtype=np.int64))
    return out, names


def designed_to_bind(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two strands (signed domain ids: 2x + is_complement) hold complementary domains."""
    return bool(np.intersect1d(a, b ^ 1, assume_unique=False).size)


def _kmer_table(strands: list[_Strand], signed: list[np.ndarray], lengths_of: dict[int, int], k: int,
                reverse: bool):
    """k-mer codes of every strand (or of its reverse complement), with owner strand and the
    signed domain under the k-mer's first and last base (orientation as read in that string)."""
    codes, owner, first, last = [], [], [], []
    for sid, s in enumerate(strands):
        x = encode(s.sequence)
        labels = np.repeat(signed[sid], [lengths_of[int(d) >> 1] for d in signed[sid]])
        if reverse:
            x = revcomp_codes(x)
            labels = labels[::-1] ^ 1
        n = len(x) - k + 1
        if n <= 0:
            continue
        c = np.zeros(n, dtype=np.int64)
        for j in range(k):
            c = (c << 2) | x[j : j + n].astype(np.int64)
        codes.append(c)
        owner.append(np.full(n, sid, dtype=np.int32))
        first.append(labels[:n].astype(np.int32))
        last.append(labels[k - 1 :].astype(np.int32))
    cat = lambda parts: np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)  # noqa: E731
    return cat(codes), cat(owner), cat(first), cat(last)


def flagged_pairs(strands: list[_Strand], sequences_len: dict[str, int], k: int, max_pairs: int = 20_000_000):
    """Strand pairs sharing a complementary k-mer outside designed complementarity.

    Returns (pairs (m x 2, i <= j), shared k-mer counts, truncated flag). A k-mer of strand ``i``
    equal to a k-mer of ``rc(j)`` whose first or last base lies in the same domain (same
    orientation) in both is designed complementarity and is skipped; so is any pair whose strands
    hold complementary domains.
    """
    signed, names = _signed_domains(strands)
    lengths_of = {i: sequences_len[n] for n, i in names.items()}
    a_code, a_own, a_first, a_last = _kmer_table(strands, signed, lengths_of, k, reverse=False)
    b_code, b_own, b_first, b_last = _kmer_table(strands, signed, lengths_of, k, reverse=True)
    common = np.intersect1d(a_code, b_code)
    if not len(common):
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64), False
    keep_a, keep_b = np.isin(a_code, common), np.isin(b_code, common)
    a = [v[keep_a] for v in (a_code, a_own, a_first, a_last)]
    b = [v[keep_b] for v in (b_code, b_own, b_first, b_last)]
    # codes whose occurrences all sit in one domain (same orientation) are designed complementarity
    both_code = np.concatenate([a[0], b[0]])
    both_label = np.concatenate([a[2], b[2]])
    order = np.lexsort((both_label, both_code))
    bc, bl = both_code[order], both_label[order]
    new_label = np.ones(len(bc), dtype=bool)
    new_label[1:] = (bc[1:] != bc[:-1]) | (bl[1:] != bl[:-1])
    labels_per_code = np.bincount(np.searchsorted(common, bc[new_label]), minlength=len(common))
    mixed = common[labels_per_code > 1]
    a = [v[np.isin(a[0], mixed)] for v in a]
    b = [v[np.isin(b[0], mixed)] for v in b]
    oa, ob = np.argsort(a[0], kind="stable"), np.argsort(b[0], kind="stable")
    a, b = [v[oa] for v in a], [v[ob] for v in b]
    ua, sa, na = np.unique(a[0], return_index=True, return_counts=True)
    ub, sb, nb = np.unique(b[0], return_index=True, return_counts=True)
    assert np.array_equal(ua, ub)
    sizes = na * nb
    truncated = False
    if sizes.sum() > max_pairs:  # keep the rarest codes (most specific matches) within the cap
        order = np.argsort(sizes, kind="stable")
        take = order[np.cumsum(sizes[order]) <= max_pairs]
        sa, na, sb, nb, sizes = sa[take], na[take], sb[take], nb[take], sizes[take]
        truncated = True
    total = int(sizes.sum())
    if total == 0:
        return np.zeros((0, 2), dtype=np.int64), np.zeros(0, dtype=np.int64), truncated
    rep = np.repeat(np.arange(len(sizes)), sizes)
    offset = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    ai = sa[rep] + offset // nb[rep]
    bi = sb[rep] + offset % nb[rep]
    ok = (a[2][ai] != b[2][bi]) & (a[3][ai] != b[3][bi])
    si, ti = a[1][ai[ok]].astype(np.int64), b[1][bi[ok]].astype(np.int64)
    lo, hi = np.minimum(si, ti), np.maximum(si, ti)
    key = lo * len(strands) + hi
    keys, counts = np.unique(key, return_counts=True)
    pairs = np.stack([keys // len(strands), keys % len(strands)], axis=1)
    designed = np.array([designed_to_bind(signed[i], signed[j]) for i, j in pairs.tolist()], dtype=bool)
    return pairs[~designed], counts[~designed], truncated


def longest_complementary(a: str, b: str) -> tuple[int, int, int]:
    """Longest stretch of ``a`` complementary to a stretch of ``b``: (length, start in a, start in b)."""
    x, y = encode(a), revcomp_codes(encode(b))
    eq = x[:, None] == y[None, :]
    run = np.zeros(len(y) + 1, dtype=np.int64)
    best = (0, 0, 0)
    for i in range(len(x)):
        run[1:] = (run[:-1] + 1) * eq[i]
        j = int(np.argmax(run))
        if run[j] > best[0]:
            best = (int(run[j]), i - int(run[j]) + 1, j - int(run[j]))
    length, ia, jy = best
    return length, ia, len(b) - jy - length  # start of the stretch in b's own coordinates


def pair_dG(a: str, b: str, backend: ThermoBackend, options: CheckOptions) -> float:
    """Association ΔG of two strands; long ones cut to windows around their longest complementary stretch."""
    if len(a) + len(b) > options.spurious_whole_nt:
        length, ia, ib = longest_complementary(a, b)
        f = options.spurious_flank_nt
        a = a[max(0, ia - f) : ia + length + f]
        b = b[max(0, ib - f) : ib + length + f]
    return backend.duplex_dG(a, b)


def screen_rows(every: list[_Strand], free: set, domain_nt: dict[str, int], backend: ThermoBackend,
                threshold: float, options: CheckOptions, stats: dict) -> list[Check]:
    """The exhaustive screen (``sequences.screen``): every failing pair (worst first, at most
    ``max_rule_rows``), the worst pair, and the coverage row (pairs screened against the pairs the
    screen claims, F (F + 1) / 2 + F (N - F))."""
    from sequences.screen import ScreenStrand, run_screen

    strands = [ScreenStrand(s.name, s.sequence, s.domains, s.domains in free) for s in every]
    c = backend.conditions
    res = run_screen(strands, domain_nt, c.temperature_C, getattr(backend, "na_equivalent_M", c.na_M),
                     options.screen_workers, threshold_kcal=threshold, compute=options.screen_compute,
                     exact_worst=options.max_rule_rows)
    dG = res.dG_kcal  # NaN: not folded, its proven bounds both lie at/above (passes) or below the threshold
    order, bad = np.argsort(dG, kind="stable"), int(np.sum(res.failing))
    name = lambda k: f"{strands[res.pairs[k, 0]].name}+{strands[res.pairs[k, 1]].name}"  # noqa: E731
    rows = [Check("spurious_dG", name(k), round(float(dG[k]), 3), threshold, False)
            for k in order[:min(bad, options.max_rule_rows)].tolist()]
    if len(dG):
        w = int(order[0])
        rows.append(Check("spurious_dG", f"worst: {name(w)} ({bad} of {len(dG)} pairs below, designed pairings "
                                         f"forbidden)", round(float(dG[w]), 3), threshold, bad == 0))
    skipped, fob = res.skipped, res.failed_on_bound
    rows.append(Check("spurious_screen", f"pairs screened (all: {res.free} single-stranded strands x {res.strands} "
                                         f"strands of the tube, F(F+1)/2 + F(N-F); unfolded: {skipped} passed on a "
                                         f"proven lower bound, {fob} failed on an upper one; {res.seconds:.1f} s)",
                      float(len(res.pairs)), float(res.expected), len(res.pairs) == res.expected))
    edges = np.arange(-30.0, 1.0, 1.0)
    folded = dG[~np.isnan(dG)]
    counts, _ = np.histogram(np.clip(folded, -30.0, 0.0), bins=edges)
    stats["spurious_screen"] = {"pairs": len(res.pairs), "expected": res.expected, "below": bad,
                                "seconds": round(res.seconds, 2), "threshold_kcal": threshold,
                                "folded": int(len(folded)), "passed_on_bound": skipped, "failed_on_bound": fob,
                                "histogram_kcal": {"edges": edges.tolist(), "counts": counts.tolist(),
                                                   "of": "folded pairs"}}
    return rows


def spurious_rows(strands: list[_Strand], domain_nt: dict[str, int], backend: ThermoBackend, threshold: float,
                  k: int, options: CheckOptions, rng: np.random.Generator) -> list[Check]:
    n = len(strands)
    pairs, counts, truncated = flagged_pairs(strands, domain_nt, k)
    order = np.argsort(-counts, kind="stable")[: options.spurious_flagged]
    evaluated: dict[tuple[int, int], float] = {}
    for i, j in pairs[order].tolist():
        evaluated[(i, j)] = pair_dG(strands[i].sequence, strands[j].sequence, backend, options)
    flagged_eval = dict(evaluated)
    signed, _ = _signed_domains(strands)
    random_eval: dict[tuple[int, int], float] = {}
    total_pairs = n * (n + 1) // 2
    attempts = 0
    while len(random_eval) < options.spurious_random and attempts < 20 * max(1, options.spurious_random) and n > 1:
        attempts += 1
        i, j = sorted(rng.integers(n, size=2).tolist())
        if (i, j) in evaluated or designed_to_bind(signed[i], signed[j]):
            continue
        evaluated[(i, j)] = random_eval[(i, j)] = pair_dG(strands[i].sequence, strands[j].sequence, backend, options)
    rows = []
    for (i, j), dG in sorted(evaluated.items(), key=lambda kv: kv[1]):
        if dG < threshold:
            rows.append(Check("spurious_dG", f"{strands[i].name}+{strands[j].name}", round(dG, 3), threshold, False))
    if evaluated:
        (i, j), dG = min(evaluated.items(), key=lambda kv: kv[1])
        rows.append(Check("spurious_dG", f"worst: {strands[i].name}+{strands[j].name}", round(dG, 3), threshold,
                          dG >= threshold))
    worst_f = min(flagged_eval.values(), default=float("nan"))
    worst_r = min(random_eval.values(), default=float("nan"))
    rows.append(Check("spurious_screen", f"{len(pairs)} pairs share a complementary {k}-mer outside designed "
                                         f"domains{' (screen capped)' if truncated else ''}; {len(flagged_eval)} "
                                         f"evaluated, most shared first", round(worst_f, 3), threshold,
                      not worst_f < threshold))
    rows.append(Check("spurious_screen", f"{len(random_eval)} random pairs not designed to bind, of {total_pairs} "
                                         f"pairs (seeded)", round(worst_r, 3), threshold, not worst_r < threshold))
    return rows

