"""From kernel notation to what a thermodynamic backend reads: strand sequences and a target
dot-paren-plus structure, and the split of a large complex into pieces a backend can fold.

A kernel pairs whole domains: ``x(`` opens a duplex that the matching ``)`` closes with ``x*`` on a
later strand, so at the nucleotide level base ``j`` of ``x`` pairs with base ``L-1-j`` of ``x*``:
every base of ``x`` is ``(`` and every base of the closing domain is ``)``.

>>> kernel_dotparen("a( b + ) c*", {"a": 3, "b": 2, "c": 1})
'(((..+))).'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dsd.domains import complement
from sequences.codes import revcomp


def _tokens(kernel: str) -> list[str]:
    return kernel.replace("(", "( ").split()


def kernel_domain_structure(kernel: str) -> tuple[tuple[tuple[str, str], ...], ...]:
    """Per strand, each domain (``x`` or ``x*``) with its domain-level state ``(``, ``)`` or ``.``.

    >>> kernel_domain_structure("a( b + ) c*")
    ((('a', '('), ('b', '.')), (('a*', ')'), ('c*', '.')))
    """
    strands: list[list[tuple[str, str]]] = [[]]
    stack: list[str] = []
    for token in _tokens(kernel):
        if token == "+":
            strands.append([])
        elif token == ")":
            if not stack:
                raise ValueError(f"unbalanced ')' in kernel {kernel!r}")
            strands[-1].append((complement(stack.pop()), ")"))
        elif token.endswith("("):
            stack.append(token[:-1])
            strands[-1].append((token[:-1], "("))
        else:
            strands[-1].append((token, "."))
    if stack:
        raise ValueError(f"unclosed '(' in kernel {kernel!r}")
    return tuple(tuple(s) for s in strands)


def kernel_dotparen(kernel: str, lengths: Mapping[str, int]) -> str:
    """Nucleotide-level target structure of a kernel, given each domain's length (by base name)."""
    parts = []
    for strand in kernel_domain_structure(kernel):
        parts.append("".join(state * lengths[name.rstrip("*")] for name, state in strand))
    return "+".join(parts)


def domain_sequence(name: str, sequences: Mapping[str, str]) -> str:
    """Sequence (5'->3') of ``x`` or ``x*`` from the designed domain sequences."""
    return revcomp(sequences[name[:-1]]) if name.endswith("*") else sequences[name]


def strand_sequence(domains: Sequence[str], sequences: Mapping[str, str]) -> str:
    """Sequence (5'->3') of a strand given as domain names."""
    return "".join(domain_sequence(d, sequences) for d in domains)


def kernel_to_target(kernel: str, sequences: Mapping[str, str]) -> tuple[list[str], str]:
    """Strand sequences (5'->3', kernel order) and the target dot-paren-plus structure of a complex.

    >>> kernel_to_target("a( + ) b", {"a": "ACT", "b": "CC"})
    (['ACT', 'AGTCC'], '(((+)))..')
    """
    parsed = kernel_domain_structure(kernel)
    strands = [strand_sequence([name for name, _ in s], sequences) for s in parsed]
    structure = "+".join("".join(state * len(sequences[name.rstrip("*")]) for name, state in s) for s in parsed)
    return strands, structure


def kernel_nucleotide_domains(kernel: str, lengths: Mapping[str, int]) -> list[tuple[str, int]]:
    """For each nucleotide of the complex (strands concatenated, ``+`` dropped): the base domain
    name and the position in that domain's own 5'->3' sequence (a complement reads it backwards).

    >>> kernel_nucleotide_domains("a( + ) ", {"a": 2})
    [('a', 0), ('a', 1), ('a', 1), ('a', 0)]
    """
    out = []
    for strand in kernel_domain_structure(kernel):
        for name, _ in strand:
            base = name.rstrip("*")
            n = lengths[base]
            out.extend((base, n - 1 - j if name.endswith("*") else j) for j in range(n))
    return out


# --- splitting big complexes ----------------------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A sub-complex: strand sequences (in the complex's strand order), its target structure, and
    the nucleotides of the full complex it stands for."""

    strands: tuple[str, ...]
    structure: str
    nucleotides: int
    index: tuple[int, ...] = ()  # the piece's nucleotides' positions in the whole complex, in order


def pair_table(structure: str) -> list[int]:
    """Partner of each nucleotide (``+`` removed), -1 when unpaired."""
    flat = structure.replace("+", "")
    table, stack = [-1] * len(flat), []
    for i, c in enumerate(flat):
        if c == "(":
            stack.append(i)
        elif c == ")":
            j = stack.pop()
            table[i], table[j] = j, i
    return table


def split_complex(strands: Sequence[str], structure: str, max_nt: int = 200, max_strands: int = 4) -> list[Piece]:
    """Pieces of a complex small enough to fold, cut at nicks between helices of its longest strand.

    The longest strand is the backbone (the bottom strand of a translator, the top strand of a
    gate with a long single-stranded tail). Strands that pair with one another without the backbone
    stay together; each such group and the backbone stretch it pairs with form a piece, and
    consecutive groups share a piece while it stays within ``max_nt`` nucleotides and
    ``max_strands`` strands. Unpaired backbone stretches longer than ``max_nt`` become
    single-strand pieces. A complex that already fits is returned whole.

    The pieces lose the coaxial stacking across each cut, so the helix ends at a cut fray a little
    more than in the whole complex: the summed defect overestimates the true one slightly, which
    is the safe side for a check.
    """
    total = sum(map(len, strands))
    whole = [Piece(tuple(strands), structure, total, tuple(range(total)))]
    if total <= max_nt and len(strands) <= max_strands:
        return whole
    table = pair_table(structure)
    starts, pos = [], 0
    for s in strands:
        starts.append(pos)
        pos += len(s)
    owner = [k for k, s in enumerate(strands) for _ in s]
    bb = max(range(len(strands)), key=lambda k: len(strands[k]))
    b0, b1 = starts[bb], starts[bb] + len(strands[bb])

    # groups of non-backbone strands that pair with one another
    parent = list(range(len(strands)))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, j in enumerate(table):
        if j > i and owner[i] != bb and owner[j] != bb:
            parent[root(owner[i])] = root(owner[j])
    span: dict[int, list[int]] = {}
    for i, j in enumerate(table):
        if j >= 0 and owner[i] != bb and owner[j] == bb:
            lo_hi = span.setdefault(root(owner[i]), [j - b0, j - b0])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], j - b0), max(lo_hi[1], j - b0)
    members: dict[int, list[int]] = {}
    for k in range(len(strands)):
        if k != bb:
            members.setdefault(root(k), []).append(k)
    if set(members) != set(span):  # a group that never touches the backbone: cannot split here
        return whole
    # backbone-internal pairs must not cross a cut: extend spans over them
    groups = sorted(span, key=lambda g: span[g][0])
    ranges = [list(span[g]) for g in groups]
    sets = [list(members[g]) for g in groups]
    merged: list[tuple[list[int], list[int]]] = []
    for rng, mem in zip(ranges, sets):
        if merged and rng[0] <= merged[-1][0][1]:
            merged[-1][0][1] = max(merged[-1][0][1], rng[1])
            merged[-1][1].extend(mem)
        else:
            merged.append((rng, mem))
    for i in range(b0, b1):
        j = table[i]
        if b0 <= j < b1 and j > i:  # a hairpin in the backbone: keep it inside one piece
            for rng, _ in merged:
                if rng[0] <= i - b0 <= rng[1] or rng[0] <= j - b0 <= rng[1]:
                    rng[0], rng[1] = min(rng[0], i - b0), max(rng[1], j - b0)
    # pack groups into pieces
    packs: list[tuple[list[int], list[int]]] = []
    for rng, mem in merged:
        size = (rng[1] - rng[0] + 1) + sum(len(strands[k]) for k in mem)
        if packs:
            prev_rng, prev_mem = packs[-1]
            prev_size = (prev_rng[1] - prev_rng[0] + 1) + sum(len(strands[k]) for k in prev_mem)
            overlap = rng[0] <= prev_rng[1]
            if overlap or (prev_size + size <= max_nt and len(prev_mem) + len(mem) + 1 <= max_strands):
                prev_rng[1] = max(prev_rng[1], rng[1])
                prev_mem.extend(mem)
                continue
        packs.append(([rng[0], rng[1]], list(mem)))
    # backbone cuts: each pack owns the backbone from its first paired base to the next pack's
    flat = structure.replace("+", "")
    seq = "".join(strands)
    pieces: list[Piece] = []
    blen = b1 - b0
    for p, (rng, mem) in enumerate(packs):
        lo = 0 if p == 0 else rng[0]
        hi = packs[p + 1][0][0] - 1 if p + 1 < len(packs) else blen - 1
        lead, tail = [], []
        if p == 0 and rng[0] > max_nt:  # long unpaired head: its own single-strand pieces
            lead, lo = _chunks(0, rng[0] - 1, max_nt), rng[0]
        if hi - rng[1] > max_nt:  # long unpaired tail
            tail, hi = _chunks(rng[1] + 1, hi, max_nt), rng[1]
        for a, b in lead:
            pieces.append(_single(seq, flat, b0 + a, b0 + b))
        order = sorted(mem + [bb])
        parts, subs, index = [], [], []
        for k in order:
            a, b = (b0 + lo, b0 + hi + 1) if k == bb else (starts[k], starts[k] + len(strands[k]))
            parts.append(seq[a:b])
            subs.append(flat[a:b])
            index.extend(range(a, b))
        pieces.append(Piece(tuple(parts), "+".join(subs), len(index), tuple(index)))
        for a, b in tail:
            pieces.append(_single(seq, flat, b0 + a, b0 + b))
    if sorted(i for p in pieces for i in p.index) != list(range(total)) or not all(
            _balanced(p.structure) for p in pieces):
        return whole  # a structure this split cannot cut cleanly
    return pieces


def _single(seq: str, flat: str, a: int, b: int) -> Piece:
    return Piece((seq[a : b + 1],), flat[a : b + 1], b - a + 1, tuple(range(a, b + 1)))


def _balanced(structure: str) -> bool:
    depth = 0
    for c in structure.replace("+", ""):
        depth += (c == "(") - (c == ")")
        if depth < 0:
            return False
    return depth == 0


def _chunks(lo: int, hi: int, size: int) -> list[tuple[int, int]]:
    n = hi - lo + 1
    count = -(-n // size)
    step = -(-n // count)
    return [(a, min(hi, a + step - 1)) for a in range(lo, hi + 1, step)]
