import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crn.model import CRN, Reaction, Signal
from crn.textformat import CRNSyntaxError, format_crn, parse_crn, read_crn, write_crn

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,6}", fullmatch=True).filter(
    lambda s: s not in ("input", "output", "signal", "init")
)
side = st.dictionaries(names, st.integers(1, 4), max_size=4)
finite = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
positive = st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False)


@st.composite
def crns(draw):
    reactions = [
        Reaction(draw(side.filter(bool)), draw(side), draw(positive)) for _ in range(draw(st.integers(0, 6)))
    ]
    sig_names = draw(st.lists(names, unique=True, max_size=6))
    sigs = []
    for n in sig_names:
        kind = draw(st.sampled_from(["dual", "single", "shift"]))
        if kind == "dual":
            sigs.append(Signal(n, n + "p", n + "n"))
        elif kind == "single":
            sigs.append(Signal(n, n))
        else:
            sigs.append(Signal(n, n + "s", None, draw(positive)))
    cut1, cut2 = sorted(draw(st.lists(st.integers(0, len(sigs)), min_size=2, max_size=2)))
    init = draw(st.dictionaries(names, finite, max_size=4))
    return CRN(reactions, init, sigs[:cut1], sigs[cut1:cut2], sigs[cut2:])


@settings(max_examples=200, deadline=None)
@given(crns())
def test_round_trip_is_exact(crn):
    text = format_crn(crn)
    back = parse_crn(text)
    assert back == crn
    assert format_crn(back) == text


def test_example_text_parses():
    crn = parse_crn(
        """# a comment
        input X0 = X0p - X0n
        input A
        output Y0 = Y0p - Y0n   # trailing comment
        init I1_0n = 0.25
        X0p -> I1_0p + 2 Y0n
        M1_0 + I1_0n -> Y0p @ 2.5
        A ->
        """
    )
    assert crn.reactions[1] == Reaction(["M1_0", "I1_0n"], ["Y0p"], 2.5)
    assert crn.reactions[0].products == (("I1_0p", 1), ("Y0n", 2))
    assert crn.reactions[2].products == ()
    assert crn.inputs == (Signal("X0", "X0p", "X0n"), Signal("A", "A"))
    assert crn.init == {"I1_0n": 0.25}


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("A + -> B", "1:5", "expected species name"),
        ("A -> B\nA => B", "2:3", "expected '->'"),
        ("A -> B @ -1", "1:10", "rate constant is negative"),
        ("init A = -2", "1:10", "negative"),
        ("A -> 0 B", "1:8", "unexpected 'B'"),
        ("A -> 2.5 B", "1:6", "positive integer"),
        ("input X = Xp -", "1:15", "end of line"),
        ("A$ -> B", "1:1", "expected species name"),
    ],
)
def test_errors_name_line_and_column(text, where, message):
    with pytest.raises(CRNSyntaxError, match=f"<crn>:{where}: .*{message}"):
        parse_crn(text)


def test_file_io_is_atomic_and_errors_name_the_file(tmp_path):
    crn = parse_crn("input A\noutput B\nA -> 2 B\n")
    path = tmp_path / "crn.txt"
    write_crn(crn, path, header="test")
    assert read_crn(path) == crn
    assert [p.name for p in tmp_path.iterdir()] == ["crn.txt"]
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        read_crn(tmp_path / "missing.txt")
    (tmp_path / "bad.txt").write_text("A -> B\nA -> -> B\n")
    with pytest.raises(CRNSyntaxError, match=r"bad.txt:2:6"):
        read_crn(tmp_path / "bad.txt")


# --- random junk: a CRNSyntaxError naming line and column, or a CRN that round-trips -----------------------

TOKENS = ["A", "Bp", "x_1", "input", "output", "signal", "init", "shift", "->", "+", "-", "=", "@", "0", "∅", "2",
          "2.5", "1e3", ".5", "inf", "nan", "1e400", "1e-400", "00", "¹", "٣", "$", "é", "#", "\t", "  "]
junk_lines = st.one_of(
    st.lists(st.sampled_from(TOKENS), max_size=8).map(" ".join),
    st.lists(st.sampled_from(TOKENS), max_size=8).map("".join),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(junk_lines, min_size=1, max_size=4))
def test_junk_raises_a_syntax_error_with_line_and_column_or_round_trips(lines):
    text = "\n".join(lines)
    try:
        crn = parse_crn(text)
    except CRNSyntaxError as exc:
        m = re.match(r"<crn>:(\d+):(\d+): \S", str(exc))
        assert m and "\n" not in str(exc), str(exc)
        line, col = int(m.group(1)), int(m.group(2))
        rows = text.splitlines()
        assert (exc.line, exc.col) == (line, col) and 1 <= line <= max(len(rows), 1)
        assert 1 <= col <= len(rows[line - 1]) + 1 if rows else col == 1
        return
    again = parse_crn(format_crn(crn))
    assert again == crn and format_crn(again) == format_crn(crn)


@pytest.mark.parametrize(
    "text, where, message",
    [
        ("A -> ¹ B", "1:6", "expected species name"),  # a Unicode digit is no stoichiometry (was a ValueError)
        ("input X = Xp shift nan", "1:20", "finite"),
        ("input X = Xp shift inf", "1:20", "finite"),
        ("input X = A - A", "1:15", "both rails"),
        ("A -> .5 B", "1:6", "positive integer"),
    ],
)
def test_parser_bugs_found_by_the_junk_test(text, where, message):
    with pytest.raises(CRNSyntaxError, match=f"<crn>:{where}: .*{message}"):
        parse_crn(text)


def _tokenised(body: str):
    """The reaction the tokeniser reads from ``body`` (sides in written order), or its error text."""
    from crn.textformat import _Line, _parse_reaction

    try:
        r = _parse_reaction(_Line(body, 1, "<crn>"))
    except CRNSyntaxError as exc:
        return str(exc)
    return r.reactants, r.products, r.rate


@settings(max_examples=400, deadline=None)
@given(st.one_of(junk_lines, st.lists(st.sampled_from(TOKENS[:4] + ["->", "+", "@", "0", "2", "2.5", "1e-3"]),
                                       max_size=9).map(" ".join)))
def test_the_fast_reaction_reader_agrees_with_the_tokeniser(body):
    from crn.textformat import _fast_reaction

    fast = _fast_reaction(body)
    if fast is not None:  # None: the tokeniser reads the line (and reports what is wrong)
        assert (fast.reactants, fast.products, fast.rate) == _tokenised(body)


@pytest.mark.parametrize("body", ["A -> B", "A + 2 B -> C + C @ 2.5", "0 -> A @ 0.1", "A -> 0", "A ->", "∅ -> X",
                                  "  X0p   ->  F1 + 3 Y_2   @ 1e-3  "])
def test_plain_reaction_lines_take_the_fast_reader(body):
    from crn.textformat import _fast_reaction

    fast = _fast_reaction(body)
    assert fast is not None and (fast.reactants, fast.products, fast.rate) == _tokenised(body)
