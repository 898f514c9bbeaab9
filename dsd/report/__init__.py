"""The build's self-contained ``report.html``, drawn only from the files a build wrote.

Modules: :mod:`~dsd.report.read` (the build folder's files, read once), :mod:`~dsd.report.sections`
(one function per section), :mod:`~dsd.report.figures` (matplotlib), :mod:`~dsd.report.html`
(the HTML kit and the page), :mod:`~dsd.report.write` (``write_report``). Nothing here simulates.
"""

from __future__ import annotations

from dsd.report.read import NotABuildError
from dsd.report.write import write_report

__all__ = ["NotABuildError", "write_report"]
