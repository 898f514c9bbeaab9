"""The oligo order and plate layout: one row per distinct sequence, vendor columns, valid names,
scale and purification rules, wells in column-major order over as many plates as needed."""

import csv
import io
import random

import pytest

from crn.textformat import parse_crn
from dsd.wetlab.order import (ORDER_HEADER, PLATES_HEADER, OrderOptions, order_csv, order_rows, order_warnings,
                       parse_strands_csv, plates, plates_csv, short_name, strand_entries, well_positions,
                       write_plates_xlsx)
from dsd.schemes import get_scheme
from dsd.sizing import size_reactions, sized_system
from dsd.translate import translate
from sequences.structure import strand_sequence

CRN_TEXT = "input X = Xp - Xn\noutput Y = Yp - Yn\ninit B = 1.5\nXp -> 3 A + Yn\nA + B -> Yp\n"


def strands_table(crn_text: str = CRN_TEXT, seed: int = 0) -> list[dict]:
    """A strands table (rows as in strands.csv) of a small soloveichik2010 system, random domains."""
    crn = parse_crn(crn_text)
    system = sized_system(translate(crn, get_scheme("soloveichik2010")), crn, size_reactions(crn, -1.0, 2.0))
    rng = random.Random(seed)
    seqs = {d.name: "".join(rng.choice("ACGT") for _ in range(d.length)) for d in system.domains.values()}
    rows = []
    for cx in system.complexes:
        for k, strand in enumerate(cx.strands):
            rows.append({"name": cx.name if len(cx.strands) == 1 else f"{cx.name}_s{k + 1}",
                         "sequence": strand_sequence(strand, seqs), "role": cx.role, "domains": " ".join(strand),
                         "complex": cx.name, "concentration_nM": str(cx.conc_nM)})
    return rows


def random_seq(n: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice("ACGT") for _ in range(n))


def entry(name, sequence, role="signal", complex_=None, conc=0.0):
    return {"name": name, "sequence": sequence, "role": role, "domains": "a", "complex": complex_ or name,
            "concentration_nM": conc}


def test_order_csv_has_the_vendor_columns_and_one_row_per_distinct_sequence():
    table = strands_table()
    rows = order_rows(table)
    text = order_csv(rows)
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed[0] == ["Name", "Sequence", "Scale", "Purification"] == list(ORDER_HEADER)
    assert all(len(r) == 4 for r in parsed)
    ordered = [r[1] for r in parsed[1:]]
    assert sorted(ordered) == sorted({t["sequence"] for t in table})  # every sequence exactly once
    assert all(set(s) <= set("ACGT") and s for s in ordered)
    names = [r[0] for r in parsed[1:]]
    assert len(set(names)) == len(names) and max(map(len, names)) <= 30


def test_identical_strands_are_one_oligo_and_say_so():
    rows = order_rows(strands_table())
    # the backward strand B_r1 of A + B -> Yp is the first strand of its gate L_r1
    shared = [r for r in rows if len(r.strands) > 1]
    assert [r.strands for r in shared] == [("L_r1_s1", "B_r1")]
    assert shared[0].name == "L_r1_s1" and "B_r1" in shared[0].note and shared[0].roles == ("gate", "helper")
    assert sum(len(r.strands) for r in rows) == len(strands_table())


def test_non_acgt_sequence_is_rejected_naming_the_strand():
    table = strands_table()
    table[3]["sequence"] = table[3]["sequence"][:5] + "U" + table[3]["sequence"][6:]
    with pytest.raises(ValueError, match=table[3]["name"]):
        order_rows(table)
    with pytest.raises(ValueError, match="S_bad"):
        order_rows([entry("S_ok", "ACGT"), entry("S_bad", "ACGN")])
    with pytest.raises(ValueError, match="S_empty"):
        order_rows([entry("S_empty", "")])
    with pytest.raises(ValueError, match="twice"):
        order_rows([entry("S_a", "ACGT"), entry("S_a", "ACGA")])


def test_long_names_are_shortened_stably_and_stay_unique():
    long_a = "G_a_very_long_complex_name_for_reaction_17_s1"
    long_b = "G_a_very_long_complex_name_for_reaction_17_s2"  # same 23-character prefix
    rows = order_rows([entry(long_a, "ACGTACGT"), entry(long_b, "TTGCATGC"), entry("S_X", "CCCC")],
                      OrderOptions(name_prefix="iris_"))
    names = [r.name for r in rows]
    assert len(set(names)) == 3 and all(len(n) <= 30 for n in names)
    assert names[2] == "iris_S_X"
    assert names[0] == short_name("iris_" + long_a) and names[0].startswith("iris_G_a_very_long_")
    assert rows[0].strands == (long_a,) and f"short for iris_{long_a}" in rows[0].note
    assert order_rows([entry(long_a, "ACGTACGT")], OrderOptions(name_prefix="iris_"))[0].name == names[0]


def test_scale_and_purification_follow_length_and_role():
    rng = random.Random(1)

    def seq(n):
        return "".join(rng.choice("ACGT") for _ in range(n))

    rows = order_rows([entry("sig42", seq(42)), entry("gate27", seq(27), "gate"), entry("gate41", seq(41), "gate"),
                       entry("fuel40", seq(40), "fuel"), entry("help61", seq(61), "helper"),
                       entry("sig95", seq(95)), entry("gate250", seq(250), "gate")])
    got = {r.name: (r.scale, r.purification) for r in rows}
    assert got == {"sig42": ("25nm", "STD"), "gate27": ("25nm", "STD"), "gate41": ("25nm", "PAGE"),
                   "fuel40": ("25nm", "STD"), "help61": ("100nm", "PAGE"), "sig95": ("4nmU", "PAGE"),
                   "gate250": ("4nmU", "PAGE")}
    warnings = order_warnings(rows)
    assert len(warnings) == 1 and "gate250" in warnings[0] and "250 nt" in warnings[0]
    custom = OrderOptions(scales=((60, "25nm"), (1000, "100nm")), page_above_nt=100, page_any_above_nt=None)
    assert {r.name: (r.scale, r.purification) for r in order_rows([entry("g", seq(120), "gate")], custom)} == {
        "g": ("100nm", "PAGE")}
    with pytest.raises(ValueError, match="increasing"):
        OrderOptions(scales=((90, "100nm"), (60, "25nm")))


def test_wells_fill_columns_then_a_second_plate():
    rows = order_rows([entry(f"S_{k}", random_seq(20, k))
                       for k in range(100)])
    wells = plates(rows)
    assert [w.position for w in wells[:10]] == ["A1", "B1", "C1", "D1", "E1", "F1", "G1", "H1", "A2", "B2"]
    assert wells[95].position == "H12" and wells[95].plate == "Plate 1"
    assert (wells[96].plate, wells[96].position) == ("Plate 2", "A1") and wells[99].position == "D1"
    assert len({(w.plate, w.position) for w in wells}) == 100
    assert [w.name for w in wells] == [r.name for r in rows]
    valid = {f"{r}{c}" for r in "ABCDEFGH" for c in range(1, 13)}
    assert {w.position for w in wells} <= valid
    by_row = plates(rows, OrderOptions(plate_fill="row"))
    assert [w.position for w in by_row[:13]] == [f"A{c}" for c in range(1, 13)] + ["B1"]


def test_384_well_plates():
    positions = well_positions(384)
    assert len(positions) == len(set(positions)) == 384
    assert positions[:17] == [f"{r}1" for r in "ABCDEFGHIJKLMNOP"] + ["A2"] and positions[-1] == "P24"
    with pytest.raises(ValueError, match="96"):
        OrderOptions(plate_wells=48)


def test_plates_xlsx_reads_back_as_plates_csv(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    rows = order_rows([entry(f"S_{k}", random_seq(25, k))
                       for k in range(110)])
    wells = plates(rows)
    text = plates_csv(wells)
    from_csv = list(csv.reader(io.StringIO(text)))
    assert from_csv[0] == list(PLATES_HEADER)
    path = write_plates_xlsx(tmp_path / "plates.xlsx", wells)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Plate 1", "Plate 2"]
    from_xlsx = []
    for sheet in book.worksheets:
        values = [list(r) for r in sheet.iter_rows(values_only=True)]
        assert values[0] == ["Well Position", "Name", "Sequence"]
        from_xlsx += [[sheet.title, *r] for r in values[1:]]
    assert from_xlsx == from_csv[1:]
    assert not [p for p in tmp_path.iterdir() if p.name != "plates.xlsx"]  # no temporary file left


def test_strands_csv_text_and_records_give_the_same_order():
    table = strands_table()
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(table[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)
    assert order_rows(parse_strands_csv(buf.getvalue())) == order_rows(table)
    assert strand_entries(table)[0].domains == tuple(table[0]["domains"].split())


def test_inline_modifications_are_labelled_oligos_hplc_purified():
    rows = order_rows([entry("Rep_s2", "/56-FAM/TGTAGTTTGTGTAGTTTGAGTGATGTT", "reporter"),
                       entry("Rep_s1", "ACTCAAACTACACAAACTACA/3IABkFQ/", "reporter"), entry("S_X", random_seq(42, 3))])
    got = {r.name: (r.scale, r.purification, r.length_nt) for r in rows}
    assert got == {"Rep_s2": ("100nm", "HPLC", 27), "Rep_s1": ("100nm", "HPLC", 21), "S_X": ("25nm", "STD", 42)}
    assert "labelled /56-FAM/" in rows[0].note
    for bad in ("AC/GT", "/56-FAM/", "/5 HEX/ACGT"):
        with pytest.raises(ValueError, match="S_bad"):
            order_rows([entry("S_bad", bad)])
