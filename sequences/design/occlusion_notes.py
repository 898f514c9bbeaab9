"""Toehold occlusion on the shipped IRIS system: what was tried and measured (issue 11 item 2); no
code. The branches named hold the code of each experiment.

The shipped system (protocols/iris.yaml: fan-out 4, 140 toehold domains, 267 single strands) deals
its 6-nt A/C/T toeholds from a pool of 196 admissible sequences (ΔG window ±0.5 kcal/mol, run
rules): 71 % of the pool, so ``toehold_copy`` is an objective there, not a rule
(``sequences.design.search.OCCLUSION_RULE_MAX_LOAD`` = 0.5), and 140 of the 729 A/C/T 6-mers are
toeholds: a 6-window of a long domain is one ~20 % of the time. The occupancy check (Σ [strand]/Kd
per toehold, 3-nt flanks, <= 0.05) then fails for most toeholds: ~2,900 exact stray sites, Kd
0.18-37 µM (median 3.9 µM); single strands sit at 17-37 nM (released strands), ~95 nM (L) and
~950 nM (B, helpers at 10x their gate), so one median site in a helper is ~0.25 and ~10 in released
strands reach the threshold. Per toehold: helpers 24, released strands 23, gate strands 13 of the
summed ratio ~70.

Design runs on that system (``/tmp/iris_main2/system.pil``, seed 0, design + checks; low-crosstalk
rules = GC 30-43 %, long weak runs <= 5, polish 1,200; "fail" = toeholds above 0.05):

    setting                                               occlusion fail / worst   crosstalk (shuffled)   other
    main defaults (shipped checks.csv)                    108 / 9.04               0.309 (0.310)          design checks pass
    low-crosstalk rules                                   120 / 3.23               0.097 (0.126)          design checks pass
    toehold_copy forced as a rule (default drawing)       24 / 0.81                0.113 (0.127)          ~400 rule violations, 52 complexes
    forced + counted-walk drawing, passable toeholds      8 / 1.12                 0.135 (0.146)          ~38 rule violations, 67 complexes
    objective weighted by strand concentration            124 / 5.97               0.097 (0.122)          design checks pass
    one G in the 42 toeholds above half the pool          0 / 0.019                0.106 (0.120)          30 strand_mfe (-5.7), 86 complexes
    7-nt toeholds (pool 464, rule)                        0 / 0                    0.076 (0.126)          330 spurious pairs, 4 junction runs
    rule on one-strand species + walk (shipped since)     109 / 2.98               0.089 (0.131)          design checks pass

* Forcing the rule: a long domain must avoid 19 % of the 6-mers, junctions included. Rejection
  sampling rarely finds one; the counted walk (branch ``walk``: ``sequences/design/walk.py``
  draws uniformly among the sequences with no forbidden window, run or GC break, neighbours in
  every single strand as contexts; exact against brute force) does, but a pool that full holds
  families (the three extensions ``q + x`` of a 5-mer all in the window), so 75 of 140 random
  pool toeholds leave no clean junction on some side; a subset chosen to keep junctions passable
  (2-3 left without) fixes the drawing. The price is crosstalk: every long domain avoids the same
  140 6-mers, so they share the rest of the vocabulary and bind each other more (0.097 -> 0.135
  with the polish; the polish's swaps mostly make a stray window), and the local search stops
  with ~38 violations (toehold-toehold junctions, runs and k-mers its moves cannot clear), so
  the refinement never runs.
* 7-nt toeholds pass the check as defined (exact copies of the whole toehold) by moving the
  problem: 3,184 windows of the free strands copy 6 of a toehold's 7 bases (in 189 distinct
  6-mers), the same 6-bp binding as a 6-nt copy; the spurious screen catches the strongest (330
  strand pairs to -9.3 kcal/mol; forbidding the 6-mer sub-windows in the drawing: 1,906 windows,
  229 pairs, crosstalk 0.093). Not a fix. (Gate level with 7-nt toeholds, old rules: 148/150 at
  4.2 h.)
* One-G toeholds (branch ``oneg2``, after ``oneg``): a toehold with one G cannot be copied by an
  A/C/T strand, so the excess over half the pool takes one G (same ΔG window); occlusion passes,
  but the G pairs a C of an A/T-rich stretch of its own strand (30 strands below -2 kcal/mol).

What the shipped build does since (``OCCLUSION_RULE_MAX_LOAD``): the rule holds on the strands of
one-strand species (signals, helpers: 35 of the 267 single strands), drawn by counted walks from a
passable toehold subset, and a second local-search pass of swaps clears the junction runs a point
change cannot (GC at the window's edge). The gate-level model binds exactly those strands to the
toeholds gates expose, and the leak-free read-out with the designed sites is 149-150/150 (max
error 0.11-0.12 formal units) where the low-crosstalk rules alone gave 142-146 (max error 1.2-2.0)
and the old defaults 149 (1.35): helper strands at ~950 nM were most of the occlusion. The strands
gates release (released outputs, gate top strands, ~20 nM) keep ~2,000 stray sites, so the
occupancy check still fails for ~110 toeholds (worst ~3, a released strand's site): the issue's
definition counts them, the gate-level model does not (they are not species there).

So with ~140 toeholds in a three-letter code the toehold 6-mer space is too crowded for both
occlusion and crosstalk; what is left to try: fewer distinct toeholds (the scheme's two per species),
a mixed design where only high-concentration strands (helpers) keep the rule, or one-G toeholds
with long domains drawn against their G·C stems.

Later the same day, with the low-crosstalk rules as the default and the new refinement
(``sequences.design.crosstalk_notes``, last section), on the shipped system:

* the rule forced on every single strand (counted walks, passable toeholds) again: 8 toeholds
  fail (worst 1.12), but crosstalk 0.137 (shuffled 0.145), 36 rule violations left (max_run,
  junction_run, unique_kmer, toehold_copy), so no refinement and 65 complexes failing. The sites
  are all in strands of gates and fuels (1,253 and 1,395 of 2,648: the outputs a fuel releases,
  ``r10g1 t_F9 d_F9 u_F9``, and the strand a gate releases to its fuel), whose history domains
  the rule would have to clear too; median toehold occupancy 0.107, so about two thirds of them
  would have to go for every toehold to pass.
* toeholds a long domain cannot copy because long domains avoid a motif the toeholds all hold
  ("CC": long domains with isolated C's only): 200 random 15-nt A/C/T domains, 3,000 pairs, rate
  below -8 kcal/mol against the same domains shuffled: 5 C weak <= 5: 0.107 -> 0.239 (shuffled
  0.09); 6 C weak <= 5: 0.175 -> 0.484 (0.176). Isolated C's sit at regular spacings and align
  against each other at many offsets: crosstalk doubles. Not pursued.
* one-G toeholds again (branch ``oneg3``, on the earlier refinement; opt-in ``toehold_one_g``, its
  module ``sequences/design/toeholds.py`` holds the reasoning and the full table): the G beside a C
  inside the toehold (so no A/C/T stretch can pair through the G), at most one one-G toehold per
  strand ("GC"/"CG" pair with themselves: two in a strand fold through that core), no palindrome
  through the core and no complementary pair among them, A/C/T toeholds at most half their pool,
  15 % spare one-G sequences, the rule on every single strand, one ΔG window for both (-6.87 ± 0.5,
  0.6 kcal/mol stronger than the A/C/T median: guarded one-G 6-mers are strong, only ~42 usable):
  occlusion 0/0 and the gate level 150/150 leak-free, 148/150 with 0.5 % initial leak, but
  crosstalk 0.139 (shuffled 0.129), 44 complexes, 51 spurious pairs, 1 strand below -2 kcal/mol.
  With all toeholds one-G: 85 strands to -9.3 kcal/mol, 99 complexes. The price is again the rule
  on every single strand for the ~100 A/C/T toeholds left; fewer of them need more one-G
  sequences than the window holds.
* shorter history domains (``dsd.history_nt: 8`` instead of 15; they hold most of the stray
  windows of gate and fuel strands): 2,053 sites (2,648 with 15), 89 toeholds above 0.05 (108),
  median 0.078 (0.107), worst 1.9; 2 junction runs and a toehold copy left, so no refinement and
  30 complexes failing; a fuel then holds each output by 8 + 6 bp. Not enough alone. With the
  rule on every single strand as well: 7 toeholds above 0.05 (worst 0.38), but 87 rule violations
  left (31 gc_window: an 8-nt domain has one allowed C count, 3; k-mers, junction runs, runs), so
  no refinement and 57 complexes failing; crosstalk 0.022 against 0.020 shuffled (8-nt history
  domains never reach -8 kcal/mol, so the rate says little there). The GC window widened to
  25-50 % for it: 6 toeholds above, 73 violations (60 junction runs). 10-nt history domains with
  the rule on every single strand: 5 toeholds above 0.05 (worst 0.56: the 5 toeholds whose stray
  copies the search could not clear), 21 rule violations (junction runs 7, GC window 5, runs 4),
  so again no refinement (66 complexes), crosstalk 0.040 (shuffled 0.041). The most promising
  direction measured: short history domains make the rule on every single strand cheap in
  crosstalk; what is missing is a search that clears the last violations (toehold exchanges at
  junctions, the refinement allowed to run while a rule still fails) and a check that fuels still
  hold their outputs (history + toehold bp) as the kinetics assume. Since the refinement runs
  with violations left (main 32ea2ff): the same design takes complexes 66 -> 29 in its 400 steps
  (crosstalk 0.043), the 21 violations and 5 occluded toeholds unchanged.

Session of 2026-12-02 (later): 12-nt history domains with the rule on every single strand
(``dsd.history_nt: 12``, ``sequences.occlusion_strands: all``, ``sequences.refine_steps: 1500``;
``design_sequences`` on the shipped system translated with 12-nt history, seeds 0 and 1, polish
1,200; two designs at a time on the 2 cores):

    step added                                             violations   occlusion fail (worst)   crosstalk     complexes failing
    rule on every strand, 10-nt history (last session)     21           5 (0.56)                 0.043-0.047   14-29
    same with 12-nt history                                9-14         0-6 (0.29)               0.077-0.078   16-28
    + local-search toehold exchanges                       8-10         0-3 (0.29)               0.078-0.080   18-27
    + no toehold of the subset without junction slack      7-10         2-3 (1.39)               0.081-0.087   24-28
    + toehold|toehold junctions cleared by exchanges       0-4          0                        0.084-0.086   24-27
    + fresh draws of long domains left failing (KICKS):
      ``dsd build`` of that spec, seed 0 (194 s design)    0            0 (0 sites)              0.087         43 (75 before)

    + the toeholds both domains at a nick follow take
      the subset sequences with the most distinct starts;
      the drawing prefers unlike starts (nicks.py)         1            0                        0.078-0.086   3-4 (29-34 before)
    + kicks also redraw the domains sharing a k-mer
      with the new draws                                   0            0                        0.081-0.085   3, 1 (seeds 0, 1)
      seeds 2 and 3                                        1, 0         0                        0.078-0.080   5, 3
      ``dsd build`` of that spec, seed 0: 82 s
      (design 73 s, refinement 23 s)                       0            0 (0 sites)              0.081         3: T_r2 0.053, G_r20 0.059, B_r50 0.063

  (Whole builds, gate level: 150/150 leak-free at the read-out, max error 0.12-0.13; spurious_dG
  worst -7.64 kcal/mol.)

* 15-nt history with the same machinery: crosstalk 0.154 (shuffled 0.134), 19 violations: short
  history domains are what makes the rule on every strand affordable in crosstalk.
* Junction slack: ``passable_toeholds`` left 3 of 140 members without a clean left neighbour
  (``AATCTC``, ``TAACTC``, ``TTACTC``: a weak-run start needs a ``C`` before it, and ``C`` + the
  first five bases is another member); exchanging members for left-out pool rows clears them
  (``_swap_in_slack``, ~2 s; tested by brute force). Toehold|toehold junctions (the scheme's
  backward and helper strands ``dA uA tB``) no long domain can repair: ``u_M1_6|t_I1_6n``
  ``CAA|TTA`` made a weak run, ``AAC|AAT`` a copy of ``t_F29`` in a helper at 10x (occupancy
  0.11-1.4); ``sequences.design.exchange`` clears them after the deal.
* The complexes before the last two steps (24-43 failing after 1,500 refinement steps, 60-75
  before; ~8-10 % of the steps accepted), read off ViennaRNA's per-base defects:
  - fuels ``T_r = g1( tP1( dP1 uP1 + g2( tP2( ... ) ) ) ) uA*``: the dangle ``dPk`` and the next
    history domain ``g(k+1)`` both follow the same toehold ``tPk`` (``tPk dPk`` in the output,
    ``tPk g(k+1)`` in the strand the gate releases), so the junction rules and the stray-window
    rule leave them the same few starts: 25 of 27 failing fuels had ``dPk`` begin with 2-6 bases
    of ``g(k+1)`` (1 in 9 by chance), and at the nick that dangle pairs in ``g(k+1)``'s place
    (per-base defects 0.6-0.9 over those bases). Output species made by many fuels (``Y0n``,
    ``Y1n``) failed in every fuel: after ``t_Y0n`` (``...CTT``) every clean start was ``TC``.
    36 of the 140 subset sequences leave a long domain one clean 2-base start; 45 toeholds carry
    such pairs (``t_Y1n`` 17). Dealing them the sequences with most starts (``t_Y*`` get 8) and
    letting the drawing prefer unlike starts (not a rule: ``complex_defect`` judges) took the
    failing complexes before refinement from 60-75 to 29-34 and after it to 1-5.
  - gates with repeated products (``r21g0 t_Y0n r21g1 t_Y0n r21g2 t_Y0n ...``): A·T structure in
    the 72-84-nt single-stranded tail; and the backward/helper strands ``dA uA tB`` (27 nt, at
    10x their gate): small A·T hairpins. These are what is left (seeds 0-3: 1-5 complexes,
    0.050-0.063). The refinement stops when every failing subject has used its 60 tries (150
    or 400 tries, a crosstalk budget of 0.03, or toehold exchanges that take the best of 8
    partners instead of one at random changed no count); 13-nt history domains: 6. A helper
    such as ``B_r50`` (``CCTTTATCTATCTAC|TAACCA|TTCAAC``) folds ``TTA`` of its long domain onto
    ``TAA`` of its toehold: only a change of that long domain, held by ~10 complexes, removes it.
  - A soft rule against shared starts inside the local search (not kept) took the complexes to
    5-11 only where it could trade real rules for it (5-23 rule violations left).
  - One history domain had one clean sequence in 3^12 (``r40g0`` between ``u_F34`` and
    ``t_I1_3n``) that shared a 9-mer; the local search traded it for a run. Kicks now also redraw
    the domains that share a k-mer with the new draws.
* Until 2026-12-02 the shipped spec kept 15-nt history and ``occlusion_strands: auto``: its design
  passed every check but the advisory ``toehold_occlusion`` (108 toeholds, worst 2.9), while the
  12-nt setting failed ``complex_defect`` (3 complexes on the spec's seed). The exchange machinery,
  the strict junction slack and the start-aware deal run only with ``occlusion_strands: all``
  (``Drawer.exchange_moves``): on the default path they changed the random course enough to fail
  one helper (``B_r48``, 0.053).

Refinement under ``occlusion_strands: all`` (2026-12-02)
--------------------------------------------------------
12-nt IRIS system, ``refine_steps`` 1500, ViennaRNA; complexes above the 0.05 defect limit after
refinement, per design seed (``dexp``-style runs of ``design_sequences`` on the build's PIL):

============================================================  ===========================================
refinement                                                    complexes failing, by seed
============================================================  ===========================================
one random proposal per step (before)                         s0-s5: 3, 1, 5, 3, 7, 1
+ best of 4 rule-keeping proposals by the subject's own fold  s0 3, s5 2
+ fresh clean draws (``Drawer.clean_draws``, one batch)       s0 2, s1 2, s2 3 (+1 shared 9-mer), s5 0
+ toehold exchanges look at 8 partners                        s0 1, s2 4, s3 1, s4 6
+ clean draws from up to 8 batches, up to 32 for a small      s0-s9: 1, 1, 3 (+9-mer), 2, 6, 1, 2, 2, 2, 2
  subject (FRESH_NT)
+ a domain with no proposal twice in a row rests;             s0-s9: **0**, 2, 4, 2, 5, 1, 2, 2, 2, 2;
  the best 3 are tried on every holder (FULL_CHECKS)          s10-s21: 2, 3, 3 (+1 run), 1, 3, 1, 1,
                                                              3 (+2 junction runs), 1, **0**, 3, 3
+ where no exchange keeps the junction rules, one that        s0-s7: **0**, **0**, 0 (+1 shared 9-mer
  redraws the long/history neighbours whose junctions it      from the search), **0**, 4, **0**, **0**, 1
  broke (``refine_moves.exchange_and_redraw``)                (5 of 8 seeds pass every check)
============================================================  ===========================================

* What blocked the rest, from logs of every step, was a nearly frozen search space.
  - Helpers ``B_r5x = d_M1_x u_M1_x t_I1_xn`` (27 nt at ~1 uM): shuffling ``d_M1_4`` fixed
    ``B_r52`` 29 % of the time and an exchange of either toehold 21-24 % of the time (ViennaRNA
    directly), but under the rules ``Drawer.clean_draws`` found the same ~10 sequences for
    ``d_M1_4`` step after step (its clean space between its neighbours), all worse than the one
    it had; and of 8 exchange partners per step, none kept the junction rules in 29 of 31 steps.
  - Gates with repeated products: ``r20g2`` had a draw that took ``G_r20`` from 0.174 to 0.037
    above the limit but made ``T_r20`` fail (0 -> 0.162); most history domains between two
    toeholds had no rule-keeping proposal at all (39 of ``T_r7``'s 64 tries went to one).
  - 150 tries per subject instead of 60 (seeds 1 and 3) changed no count. The exchange that
    redraws the broken neighbours is what moved it: toeholds can move again.
* Tried and not kept: GC 30-50 % (more C, fewer A·T stems): seed 6 no complex but one shared
  9-mer, seed 13 crosstalk 0.101 (fails) and 4 fuels; 7-nt toeholds with 15-nt history and
  ``auto`` (a bigger pool): a full build failed 11 complexes, 51 spurious pairs below -8 kcal/mol
  and 2 junction runs.
* So the shipped ``protocols/iris.yaml`` has 12-nt history, ``occlusion_strands: all`` and
  ``refine_steps: 1500``: at its seed 0 the design passes every check (``toehold_occlusion`` 0
  sites, crosstalk 0.084 against 0.074 shuffled, spurious_dG worst -7.64 kcal/mol, strand MFE
  above -1.84 kcal/mol), and it sets ``trials: 4`` (``sequences.trials``: seeds 1-3 should an
  upstream change make seed 0 fail; 5 of seeds 0-7 pass). Whole build 122 s (design 112 s, of which the refinement
  65 s); gate level 149/150 leak-free at the label-free 12.7 h read-out (150/150 at the end),
  147/150 with 1e-9 /nM/s and 0.5 % initial leak. The exchanges put the same 140 toehold
  sequences (every one within the ΔG window) in other places: the design before them, also
  passing every check at seed 0, read out at 9.36 h with 150/150. At 12 nt the search no longer
  beats shuffled domains on crosstalk by much: the rule on every strand takes the freedom the
  crosstalk polish had.
"""
