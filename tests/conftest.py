"""Suite-wide test plumbing: keep ``xdist_group`` working under pytest >= 9.

``--dist loadgroup`` (pyproject's addopts) sends the tests of one ``xdist_group`` to one worker, so
that a module fixture that builds for minutes (tests/sequences/test_design_iris.py) runs once, not
once per worker. pytest-xdist (3.8) marks a grouped test by appending ``@group`` to ``item._nodeid``;
pytest 9 reads a node's id from ``item._id`` instead, so the suffix is lost, every grouped test is
scheduled alone and the fixture ran on both workers (measured: two 535 s setups of that fixture in
one run). This hook appends the suffix where pytest 9 reads it, only when xdist's did not take.
"""

from __future__ import annotations

import pytest


def group_suffix(item: pytest.Item) -> str | None:
    """``@a_b`` for a test marked ``xdist_group("a")`` and ``xdist_group("b")`` (xdist's naming), else None."""
    names = {str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")}
    return f"@{'_'.join(sorted(names))}" if names else None


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not getattr(config.option, "loadgroup", False):  # set on xdist workers under --dist loadgroup
        return
    for item in items:
        suffix = group_suffix(item)
        if suffix is None or item.nodeid.endswith(suffix):
            continue  # not grouped, or xdist's own hook worked (pytest < 9)
        node_id = getattr(item, "_id", None)
        if node_id is None or not hasattr(type(node_id), "parse"):
            continue  # a pytest whose ids this shim does not know: leave them alone
        item._id = type(node_id).parse(f"{item.nodeid}{suffix}")
