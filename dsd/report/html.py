"""The report's HTML kit: escaping, number formatting, tables, notes, embedded PNG figures and the
page that holds the sections.

Self-contained means no external file and no network access: figures are base64 PNGs, CSS is
inline, and there is no script. Every piece of text is HTML-escaped unless it is :class:`Raw`.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

DASH = "\u2014"


class Raw(str):
    """Text that is already HTML (table cells are escaped unless they are Raw)."""


@dataclass
class Section:
    """One section of the page: its id, heading and HTML body, or why it has nothing to show."""

    key: str
    title: str
    body: str
    absent: str | None = None


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1080px;
color:#222;line-height:1.45;padding:0 1em}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}h3{margin-top:1.4em}
table{border-collapse:collapse;margin:.6em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#fff;background:#2e7d32;border-radius:3px;padding:0 .4em;font-weight:600}
.fail{color:#fff;background:#c62828;border-radius:3px;padding:0 .4em;font-weight:600}
.warn{color:#fff;background:#b26a00;border-radius:3px;padding:0 .4em;font-weight:600}
.advisory{color:#fff;background:#b26a00;border-radius:3px;padding:0 .4em;font-weight:600}
.note{background:#fff8e1;border-left:4px solid #f9a825;padding:.4em .8em}
section.absent .note{background:#eceff1;border-left-color:#90a4ae}
figure{margin:1em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}code{font-size:.85em;word-break:break-all}
nav ul{columns:3;list-style:none;padding-left:0}.meta{color:#666;font-size:.9em}
"""


def page(name: str, meta: Sequence[str], sections: Sequence[Section], footer: str) -> str:
    """The whole HTML document: title ``name``, a line of ``meta``, a table of contents (absent
    sections marked), the sections, and a ``footer`` line."""
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{e(name)}: build report</title><style>{CSS}</style></head><body>",
             f"<h1>{e(name)}: build report</h1>", f'<p class="meta">{e("; ".join(meta))}</p>',
             "<nav><ul>" + "".join(f'<li><a href="#{s.key}">{e(s.title)}</a>' + (" (absent)" if s.absent else "")
                                   + "</li>" for s in sections) + "</ul></nav>"]
    for s in sections:
        cls = ' class="absent"' if s.absent else ""
        parts.append(f'<section id="{s.key}"{cls}><h2>{e(s.title)}</h2>')
        parts.append(note(f"Absent: {s.absent}.") if s.absent else s.body)
        parts.append("</section>")
    parts.append(f'<p class="meta">{e(footer)}</p></body></html>')
    return "\n".join(parts) + "\n"


def figure(png: bytes, caption: str, key: str, attrs: dict | None = None) -> str:
    """A ``<figure>`` embedding ``png`` as a data URI, with ``caption`` as alt text and caption."""
    data = base64.b64encode(png).decode("ascii")
    extra = "".join(f' {k}="{e(v)}"' for k, v in (attrs or {}).items())
    return (f'<figure id="{e(key)}"{extra}><img src="data:image/png;base64,{data}" alt="{e(caption)}">'
            f"<figcaption>{e(caption)}</figcaption></figure>")


def table(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """A table; numbers right-aligned and formatted with :func:`num`, None as a dash."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, Raw):
                cells.append(f"<td>{v}</td>")
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                cells.append(f'<td class="num">{e(num(v))}</td>')
            else:
                cells.append(f"<td>{e(DASH if v is None else v)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def kv_table(rows: Iterable[tuple]) -> str:
    """A two-column table of (name, value) rows."""
    return "<table><tbody>" + "".join(
        f"<tr><th>{e(k)}</th><td>{v if isinstance(v, Raw) else e(DASH if v is None else v)}</td></tr>"
        for k, v in rows) + "</tbody></table>"


def note(text: str) -> str:
    return f'<p class="note">{e(text)}</p>'


def badge(passed, status: str | None = None) -> str:
    """A check's result: ``status`` (pass, warn, fail) when the build recorded one, else from ``passed``."""
    if status == "warn":
        return '<span class="warn">warn</span>'
    return '<span class="pass">pass</span>' if passed else '<span class="fail">FAIL</span>'


def e(value) -> str:
    """``value`` as escaped HTML text."""
    return html.escape(str(value), quote=True)


def num(value, digits: int = 4) -> str:
    """A number for people: ``digits`` significant digits, scientific outside [1e-3, 1e6).

    >>> num(0.000123), num(3.14159), num(7), num(None)
    ('1.230e-04', '3.142', '7', '—')
    """
    if value is None:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(v):
        return "nan"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e6):
        return f"{v:.{max(digits - 1, 1)}e}"
    return f"{v:.{digits}g}"


def pct(value) -> str:
    return DASH if value is None else f"{100 * float(value):.2f} %"


def money(value: float, currency: str) -> str:
    return f"{value:,.2f} {currency}"


def r_text(r: float) -> str:
    """A Pearson r as the report writes it."""
    return "undefined (constant data)" if math.isnan(r) else f"{r:.3f}"


def short_list(items: Sequence, n: int = 8) -> str:
    shown = ", ".join(map(str, items[:n]))
    return shown + (f", \u2026 ({len(items) - n} more)" if len(items) > n else "")
