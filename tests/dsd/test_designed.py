"""A design folder in the gate-level kinetics: toehold dG from domains.csv, occlusion sites from
occlusion.csv as reversible binding (k_off = k_on x Kd); folders without them are accepted."""

import numpy as np
import pytest

from crn.textformat import parse_crn
from dsd.designed import designed_kinetics, occlusion_sites, toehold_dG
from dsd.gatesim import gate_report
from dsd.rates import k_on_per_M_s
from dsd.schemes import get_scheme
from dsd.translate import translate_sized

SCHEME = get_scheme("soloveichik2010")
CRN = "input X\ninput Z\noutput Y\nX -> Y\nY + Z -> W\n"


def _system():
    crn = parse_crn(CRN)
    system, _ = translate_sized(crn, SCHEME, 0.0, 1.0)
    return crn, system


def test_designed_toehold_dG_and_occlusion_sites_become_kinetics(tmp_path):
    crn, system = _system()
    (tmp_path / "domains.csv").write_text("name,kind,length,sequence,gc,dG_kcal\nt_X,toehold,6,ACTACT,0.33,-8.5\n"
                                          "d_X,long,15,ACTACTACTACTACT,0.33,\n")
    (tmp_path / "occlusion.csv").write_text("site,toehold,strand,Kd_M\ns1,t_X,B_r1,1e-6\n")
    kinetics, notes = designed_kinetics(tmp_path, crn, system, SCHEME)
    assert kinetics["toehold_dG_kcal"] == {"t_X": -8.5}
    on, off = kinetics["extra_reactions"][:2]
    assert on.reactants == (("B_r1", 1), ("G_r0", 1))
    assert on.rate == pytest.approx(k_on_per_M_s(6) * 1e-9)
    assert off.rate == pytest.approx(on.rate * 1e-6 * 1e9)  # k_off = k_on x Kd, /s
    assert "1 toehold dG" in notes[0] and "1 spurious binding sites" in notes[1]
    # a tight spurious site (Kd 1 nM) holds some Y on the X gate: less Y free at the end
    x = np.array([[1.0, 0.0]])
    plain, _ = gate_report(crn, system, SCHEME, 10.0, x, None, hours=24, initial_leak=0.0)
    (tmp_path / "occlusion.csv").write_text("site,toehold,strand,Kd_M\ns1,t_X,S_Y,1e-9\n")
    tight, _ = designed_kinetics(tmp_path, crn, system, SCHEME)
    held, _ = gate_report(crn, system, SCHEME, 10.0, x, None, hours=24, initial_leak=0.0, **tight)
    assert held["max_abs_error_end"] > plain["max_abs_error_end"] + 0.01


def test_a_folder_without_the_columns_or_files_is_accepted_and_says_so(tmp_path):
    crn, system = _system()
    (tmp_path / "domains.csv").write_text("name,kind,length,sequence,gc\nt_X,toehold,6,ACTACT,0.33\n")
    kinetics, notes = designed_kinetics(tmp_path, crn, system, SCHEME)
    assert kinetics == {}
    assert "no dG_kcal column" in notes[0] and "occlusion.csv not found" in notes[1]
    assert toehold_dG(tmp_path / "nowhere")[0] is None and occlusion_sites(tmp_path)[0] == []


def test_a_bad_Kd_names_file_row_and_column(tmp_path):
    (tmp_path / "occlusion.csv").write_text("site,toehold,strand,Kd_M\ns1,t_X,Y,zero\n")
    with pytest.raises(ValueError, match=r"occlusion.csv: row 2, column 'Kd_M'"):
        occlusion_sites(tmp_path)


def test_rows_that_share_a_site_position_never_swap_strands(tmp_path):
    """Two strands with a stray copy of t_X at the same position: each binds and comes off as
    itself (a shared bound species would turn one strand into the other and create signal)."""
    crn, system = _system()
    (tmp_path / "occlusion.csv").write_text("site,toehold,strand,Kd_M\n3,t_X,B_r1,1e-6\n3,t_X,S_Y,1e-6\n")
    kinetics, _ = designed_kinetics(tmp_path, crn, system, SCHEME)
    made_by = {}
    for r in kinetics["extra_reactions"]:
        for bound, _ in r.products:
            if bound.startswith("Occ"):
                made_by.setdefault(bound, set()).add(frozenset(s for s, _ in r.reactants))
        for bound, _ in r.reactants:
            if bound.startswith("Occ"):
                made_by.setdefault(bound, set()).add(frozenset(s for s, _ in r.products))
    assert len(made_by) == 2 and all(len(sides) == 1 for sides in made_by.values()), made_by
    x = np.array([[0.0, 0.0]])  # no input: nothing may appear
    report, _ = gate_report(crn, system, SCHEME, 10.0, x, None, hours=24, initial_leak=0.0, **kinetics)
    assert report["max_abs_error_end"] < 1e-6
