"""Read and write the CRN text format (DESIGN §3).

One statement per line; ``#`` starts a comment::

    input X0 = X0p - X0n          # dual-rail input signal
    input A                       # single-rail input (value = [A])
    input X1 = X1 shift 2.5       # single-rail, value = [X1] - 2.5 (shifted encoding)
    output Y0 = Y0p - Y0n
    signal H1_0 = H1_0p - H1_0n   # internal dual-rail pair
    init I1_0n = 0.25             # initial concentration, formal units
    X0p -> I1_0p + 2 Y0n          # reaction, rate constant 1
    M1_0 + I1_0n -> Y0p @ 2.5     # reaction with rate constant 2.5
    A -> 0                        # no products (also accepted: nothing, or ∅)
    0 -> A @ 0.1                  # zero-order source (formal simulation; the DNA schemes refuse it)
    input X                       # a species may be both an input (its initial amount) ...
    output X                      # ... and an output (what it ends at): the same name twice

Species names are ``[A-Za-z_][A-Za-z0-9_]*``. Writing then reading gives back an equal CRN, and
the written text of a read file is canonical (floats in ``repr`` form, so values are exact).
Errors are :class:`CRNSyntaxError` with the line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

from crn.model import CRN, SPECIES_NAME, Reaction, Signal


class CRNSyntaxError(ValueError):
    """A malformed line, reported as ``<source>:<line>:<col>: <message>``."""

    def __init__(self, message: str, line: int, col: int, source: str = "<crn>") -> None:
        super().__init__(f"{source}:{line}:{col}: {message}")
        self.line, self.col, self.source = line, col, source


_TOKEN = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+\-]?[0-9]+)?|->|[+\-=@]|[^\s+\-=@]+)")
_NUMBER = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+\-]?[0-9]+)?\Z|inf\Z|nan\Z")
_COUNT = re.compile(r"[0-9]+\Z")
_EMPTY = {"0", "∅"}


def _fmt(x: float) -> str:
    return repr(float(x)) if float(x) != int(x) or abs(x) >= 1e16 else str(int(x))


class _Line:
    """Tokeniser over one line, remembering each token's 1-based column."""

    def __init__(self, text: str, lineno: int, source: str) -> None:
        self.tokens: list[tuple[str, int]] = []
        self.lineno, self.source, self.end = lineno, source, len(text) + 1
        pos = 0
        while pos < len(text) and text[pos:].strip():
            m = _TOKEN.match(text, pos)
            self.tokens.append((m.group(1), m.start(1) + 1))
            pos = m.end()
        self.i = 0

    def error(self, message: str, col: int | None = None):
        if col is None:
            col = self.tokens[self.i][1] if self.i < len(self.tokens) else self.end
        return CRNSyntaxError(message, self.lineno, col, self.source)

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def next(self, what: str) -> tuple[str, int]:
        if self.i >= len(self.tokens):
            raise self.error(f"expected {what}, got end of line")
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, literal: str) -> None:
        tok, col = self.next(f"'{literal}'")
        if tok != literal:
            raise self.error(f"expected '{literal}', got {tok!r}", col)

    def name(self, what: str = "species name") -> str:
        tok, col = self.next(what)
        if not SPECIES_NAME.match(tok):
            raise self.error(f"expected {what}, got {tok!r}", col)
        return tok

    def number(self, what: str) -> float:
        tok, col = self.next(what)
        if not _NUMBER.match(tok):
            raise self.error(f"expected {what}, got {tok!r}", col)
        return float(tok)

    def done(self) -> None:
        if self.i < len(self.tokens):
            tok, col = self.tokens[self.i]
            raise self.error(f"unexpected {tok!r}", col)


def _parse_signal(line: _Line) -> Signal:
    name = line.name("signal name")
    if line.peek() is None:
        return Signal(name, name)
    line.expect("=")
    plus = line.name()
    if line.peek() == "-":
        line.next("'-'")
        col = line.tokens[line.i][1] if line.i < len(line.tokens) else line.end
        minus = line.name()
        if minus == plus:
            raise line.error(f"signal {name} has {plus} on both rails; a dual-rail pair needs two species", col)
        line.done()
        return Signal(name, plus, minus)
    if line.peek() == "shift":
        line.next("'shift'")
        col = line.tokens[line.i][1] if line.i < len(line.tokens) else line.end
        offset = line.number("shift value")
        if not offset < float("inf"):  # also catches nan
            raise line.error(f"shift value must be finite, got {offset!r}", col)
        line.done()
        return Signal(name, plus, None, offset)
    line.done()
    return Signal(name, plus)


def _parse_side(line: _Line, stop: str | None) -> list[tuple[str, int]]:
    items: list[tuple[str, int]] = []
    if line.peek() in _EMPTY:
        line.next("'0'")
        return items
    if line.peek() in (stop, None):
        return items
    while True:
        count = 1
        tok = line.peek()
        if tok is not None and tok[0] in "0123456789.":  # ASCII only: str.isdigit() accepts '¹'
            tok, col = line.next("stoichiometry")
            if not _COUNT.match(tok) or int(tok) < 1:
                raise line.error(f"stoichiometry must be a positive integer, got {tok!r}", col)
            count = int(tok)
        items.append((line.name(), count))
        if line.peek() != "+":
            return items
        line.next("'+'")


def _parse_reaction(line: _Line) -> Reaction:
    zero_order = line.peek() in _EMPTY
    reactants = _parse_side(line, "->")
    if not reactants and not zero_order:
        raise line.error("a reaction needs at least one reactant (write a zero-order source as 0 -> A)")
    line.expect("->")
    products = _parse_side(line, "@")
    rate = 1.0
    if line.peek() == "@":
        line.next("'@'")
        col = line.tokens[line.i][1] if line.i < len(line.tokens) else line.end
        if line.peek() == "-":
            raise line.error("rate constant is negative; it must be positive", col)
        rate = line.number("rate constant")
        if not (rate > 0 and rate < float("inf")):
            raise line.error(f"rate constant must be positive and finite, got {rate!r}", col)
    line.done()
    return Reaction(reactants, products, rate)


_KEYWORDS = frozenset(("input", "output", "signal", "init"))
_DIGITS = frozenset("0123456789.")
_FAST_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").fullmatch


def _fast_side(toks: list[str], i: int, stop: str) -> tuple[list[tuple[str, int]] | None, int]:
    """One side of a reaction from whitespace-separated tokens, starting at ``toks[i]`` and ending
    before ``stop`` (or the end); ``(None, i)`` for anything but the plainest form (the tokeniser
    then reads the line and reports what is wrong). Returns (items, index of the next token)."""
    n = len(toks)
    if i < n and toks[i] in _EMPTY:
        return [], i + 1
    items: list[tuple[str, int]] = []
    if i >= n or toks[i] == stop:
        return items, i
    while True:
        tok = toks[i] if i < n else ""
        count = 1
        if tok and tok[0] in _DIGITS:
            if not tok.isascii() or not tok.isdigit() or int(tok) < 1:
                return None, i
            count = int(tok)
            i += 1
            tok = toks[i] if i < n else ""
        if not _FAST_NAME(tok):
            return None, i
        items.append((tok, count))
        i += 1
        if i >= n or toks[i] != "+":
            return items, i
        i += 1


def _fast_reaction(body: str) -> Reaction | None:
    """The reaction on ``body`` when it is written in the plain canonical form (every token
    separated by whitespace: what :func:`format_crn` writes); None otherwise, and the tokeniser
    reads the line instead. Gives the same reaction as :func:`_parse_reaction` wherever it
    answers; it exists because a 100,000-reaction file took seconds in the tokeniser."""
    toks = body.split()
    if not toks or toks[0] in _KEYWORDS:
        return None
    zero_order = toks[0] in _EMPTY
    reactants, i = _fast_side(toks, 0, "->")
    if reactants is None or (not reactants and not zero_order) or i >= len(toks) or toks[i] != "->":
        return None
    products, i = _fast_side(toks, i + 1, "@")
    if products is None:
        return None
    rate = 1.0
    if i < len(toks):
        if toks[i] != "@" or i + 2 != len(toks) or not _NUMBER.match(toks[i + 1]):
            return None
        rate = float(toks[i + 1])
        if not (rate > 0 and rate < float("inf")):
            return None
    return Reaction(reactants, products, rate)


def parse_crn(text: str, source: str = "<crn>") -> CRN:
    """Parse the text format into a :class:`~crn.model.CRN`.

    >>> parse_crn("input A\\ninput B\\noutput C\\nA + B -> C").stats()["bimolecular"]
    1
    """
    inputs: list[Signal] = []
    outputs: list[Signal] = []
    signals: list[Signal] = []
    init: dict[str, float] = {}
    reactions: list[Reaction] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        body = raw.split("#", 1)[0]
        fast = _fast_reaction(body)
        if fast is not None:
            reactions.append(fast)
            continue
        line = _Line(body, lineno, source)
        head = line.peek()
        if head is None:
            continue
        if head in ("input", "output", "signal") and len(line.tokens) > 1 and line.tokens[1][0] != "+" \
                and line.tokens[1][0] != "->":
            line.next(head)
            sig = _parse_signal(line)
            {"input": inputs, "output": outputs, "signal": signals}[head].append(sig)
        elif head == "init" and len(line.tokens) > 1 and line.tokens[1][0] not in ("+", "->"):
            line.next(head)
            species = line.name()
            line.expect("=")
            col = line.tokens[line.i][1] if line.i < len(line.tokens) else line.end
            if line.peek() == "-":
                raise line.error(f"initial concentration of {species} is negative; it must be >= 0", col)
            value = line.number("initial concentration")
            if not (value >= 0 and value < float("inf")):
                raise line.error(f"initial concentration of {species} must be >= 0 and finite", col)
            line.done()
            if species in init:
                raise line.error(f"initial concentration of {species} given twice", 1)
            init[species] = value
        else:
            reactions.append(_parse_reaction(line))
    # an output may repeat an input's declaration (same name, same species): the species is both
    shared = {s.name for s in outputs if any(s == i for i in inputs)}
    names = [s.name for s in inputs + signals] + [s.name for s in outputs if s.name not in shared]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise CRNSyntaxError(f"signal {sorted(dup)[0]!r} declared twice", 1, 1, source)
    return CRN(reactions, init, inputs, outputs, signals)


def _side_text(side) -> str:
    if not side:
        return "0"
    return " + ".join(s if n == 1 else f"{n} {s}" for s, n in side)


def _signal_text(kind: str, sig: Signal) -> str:
    if sig.minus is not None:
        return f"{kind} {sig.name} = {sig.plus} - {sig.minus}"
    if sig.offset:
        return f"{kind} {sig.name} = {sig.plus} shift {_fmt(sig.offset)}"
    return f"{kind} {sig.name}" if sig.plus == sig.name else f"{kind} {sig.name} = {sig.plus}"


def format_crn(crn: CRN, header: str | None = None) -> str:
    """The canonical text of ``crn`` (declarations, initial concentrations, reactions)."""
    lines = [f"# {h}" for h in (header.splitlines() if header else [])]
    lines += [_signal_text("input", s) for s in crn.inputs]
    lines += [_signal_text("output", s) for s in crn.outputs]
    lines += [_signal_text("signal", s) for s in crn.signals]
    lines += [f"init {s} = {_fmt(c)}" for s, c in crn.init.items()]
    for r in crn.reactions:
        rate = "" if r.rate == 1.0 else f" @ {_fmt(r.rate)}"
        lines.append(f"{_side_text(r.reactants)} -> {_side_text(r.products)}{rate}")
    return "\n".join(lines) + "\n"


def read_crn(path: str | Path) -> CRN:
    """Read a CRN text file; a missing file raises FileNotFoundError naming it."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"CRN file not found: {path}")
    from crn.bulk import paused_gc

    with paused_gc():  # 100,000 reactions and their sides, all kept: no collection passes over them
        return parse_crn(path.read_text(encoding="utf-8"), source=str(path))


def write_crn(crn: CRN, path: str | Path, header: str | None = None) -> None:
    """Write atomically (temporary file in the same folder, then rename)."""
    from crn.atomic import atomic_write_text

    atomic_write_text(Path(path), format_crn(crn, header))
