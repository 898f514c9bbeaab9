"""Suite-wide collection order: the slow (end-to-end) tests first.

pytest-xdist hands tests to its workers in collection order, so a multi-minute build collected
last (tests/sequences/test_design_iris.py comes after hundreds of quick tests) would run alone at
the end while the other worker idles; started first, the quick tests fill in around it. The sort
is stable: the order within the slow and within the quick tests is unchanged.
"""


def pytest_collection_modifyitems(config, items):
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
