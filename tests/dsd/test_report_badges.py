"""A check's status shows in the report as the build recorded it: pass, warn or FAIL."""

from dsd.report.html import badge


def test_badge_follows_the_recorded_status():
    assert ">pass<" in badge(True, "pass")
    assert ">warn<" in badge(True, "warn") and 'class="warn"' in badge(True, "warn")
    assert ">FAIL<" in badge(False, "fail")
    assert ">FAIL<" in badge(False)  # builds before the status field
