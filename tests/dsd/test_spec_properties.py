"""Property tests of the spec parser: random sections of right and wrong values either load into a spec
whose every number is finite and obeys its field's rule, or raise one SpecError line naming a field."""

import dataclasses
import math
import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsd.pipeline.spec import TOP_LEVEL, BuildSpec, SpecError, load_spec
from dsd.pipeline.spec_check import Int, Num, check
from dsd.wetlab.order import OrderOptions
from dsd.wetlab.protocol import ProtocolOptions
from sequences.rules import SequenceRules

SECTIONS = {f.name: f.default_factory for f in dataclasses.fields(BuildSpec) if f.name in TOP_LEVEL
            and f.default_factory is not dataclasses.MISSING}
EXTRA_KEYS = {"sequences": SequenceRules, "order": OrderOptions, "protocol": ProtocolOptions}


def _yaml_value(value):
    if isinstance(value, tuple):
        return [_yaml_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _yaml_value(v) for k, v in value.items()}
    return value


def _keys_and_defaults(name):
    pairs = {f.name: f.default for f in dataclasses.fields(SECTIONS[name]) if f.name not in ("options", "rules")}
    cls = EXTRA_KEYS.get(name)
    if cls is not None:
        pairs |= {f.name: (f.default if f.default is not dataclasses.MISSING else f.default_factory())
                  for f in dataclasses.fields(cls)}
    return {k: _yaml_value(v) for k, v in pairs.items()}


FIELDS = {name: _keys_and_defaults(name) for name in SECTIONS}
GOOD = {  # right values the defaults do not show, so that some random specs load
    ("network", "load"): ["model.npz"], ("crn", "path"): ["c.txt"], ("dataset", "name"): ["iris", "heart", "csv"],
    ("dataset", "path"): ["t.csv"], ("dataset", "label_column"): ["y"], ("dataset", "split"): [[0.5, 0.25, 0.25]],
    ("crn", "fanout_limit"): [2, 5], ("crn", "input_range"): [[0, 1]], ("protocol", "inputs"): [[[0.5, 1]]],
    ("report", "price_per_nt"): [{"25nm": 0.2}], ("order", "reporter_dyes"): [["FAM"]],
}

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-3, 100),
    st.integers(-10**30, 10**30),
    st.sampled_from([0, 0.0, -0.0, 1, 0.5, 1.0, 2, -1, 1e-300, 1e308, "1e-9", "1e400", ".5"]),
)
scalars = st.one_of(numbers, st.booleans(), st.none(), st.text(max_size=6))
junk = st.one_of(scalars, st.lists(scalars, max_size=4), st.dictionaries(st.text(max_size=4), scalars, max_size=3),
                 st.lists(st.lists(numbers, max_size=3), max_size=2))


special = st.sampled_from([math.nan, math.inf, -math.inf, -1, -0.5, 0, 0.0, 1.5, 10**30, "1e400", True, "3"])


@st.composite
def values(draw, section, key):
    """Mostly right values (so that other fields' mistakes show), else NaN, inf, negatives, wrong types."""
    good = [FIELDS[section][key], *GOOD.get((section, key), [])]
    kind = draw(st.integers(0, 7))
    return draw(special if kind == 0 else junk if kind == 1 else st.sampled_from(good))


PAIRS = [(section, key) for section in sorted(FIELDS) for key in sorted(FIELDS[section])]
PAIRS += [("crn", "no_such_key"), ("order", "no_such_key"), ("top", "seed"), ("top", "name")]


@st.composite
def specs(draw):
    """A spec with one to three fields drawn at random (of every section) set to random values."""
    raw: dict = {"name": "x"}
    for section, key in draw(st.lists(st.sampled_from(PAIRS), unique=True, min_size=1, max_size=3)):
        if section == "top":
            raw[key] = draw(st.one_of(st.sampled_from(["a b", ".x", "x" * 65, "ok-1.2"]), special, junk)
                            if key == "name" else st.one_of(st.integers(0, 9), special))
        else:
            raw.setdefault(section, {})[key] = 1 if key == "no_such_key" else draw(values(section, key))
    if "network" in raw and "crn" in raw:  # a spec starts from one of them: keep most draws meaningful
        del raw[draw(st.sampled_from(["network", "crn"]))]
    return raw


FIELD_START = re.compile(rf"({'|'.join(sorted(TOP_LEVEL))})([.\[/:]| \()")


def _assert_obeys_rules(spec: BuildSpec) -> None:
    for name in SECTIONS:
        part = getattr(spec, name)
        for f in dataclasses.fields(part):
            value = getattr(part, f.name)
            for leaf in _leaves(value):
                assert not isinstance(leaf, float) or math.isfinite(leaf), (name, f.name, value)
            rule = f.metadata.get("spec")
            if rule is not None and value is not None and f.name not in ("price_per_nt", "price_per_strand",
                                                                         "price_per_modification"):
                check(f"{name}.{f.name}", _yaml_value(value), rule)  # the value loaded obeys its own rule
                if isinstance(rule, Int):
                    assert isinstance(value, int) and not isinstance(value, bool)
                if isinstance(rule, Num):
                    assert isinstance(value, float)
    assert spec.dsd.unit_nM > 0 and spec.dsd.hours > 0 and spec.simulation.t_end > 0 and spec.seed >= 0
    assert spec.dsd.long_nt > spec.dsd.toehold_nt >= 4
    assert spec.dataset.split is None or math.isclose(sum(spec.dataset.split), 1.0)
    for k, v in spec.protocol.options + spec.order.options:
        assert all(not isinstance(x, float) or (math.isfinite(x) and x >= 0) for x in _leaves(v)), (k, v)


def _leaves(value):
    if isinstance(value, (tuple, list)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)
    else:
        yield value


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(specs())
def test_random_specs_load_clean_or_fail_in_one_line_naming_a_field(raw):
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "model.npz").write_bytes(b"")
        (base / "c.txt").write_text("input A\noutput B\nA -> B\n")
        (base / "t.csv").write_text("y,a\n0,1\n")
        path = base / "spec.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True))
        try:
            spec = load_spec(path)
        except SpecError as exc:
            message = str(exc)
            assert "\n" not in message and message.startswith(str(path)), message
            rest = re.sub(r"^:\d+:\d+", "", message[len(str(path)):])
            field = FIELD_START.match(rest[2:]) if rest.startswith(": ") else None
            assert field and field.group(1) in raw, message  # it names a field of a section the spec gave
            return
    _assert_obeys_rules(spec)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(TOP_LEVEL)), junk, max_size=4))
def test_junk_sections_fail_in_one_line(raw):
    raw.setdefault("name", "x")
    try:
        from dsd.pipeline.spec import parse_spec

        spec = parse_spec(raw, base_dir="/nonexistent")
    except SpecError as exc:
        field = FIELD_START.match(str(exc))
        assert "\n" not in str(exc) and field and field.group(1) in raw, str(exc)
        return
    _assert_obeys_rules(spec)
