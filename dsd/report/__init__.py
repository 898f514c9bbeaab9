"""The build's self-contained ``report.html``, drawn from the files a build wrote."""

from __future__ import annotations

from dsd.report.document import write_report  # noqa: F401
