"""The index page: every brief that exists, with its bottom line, as-of date and fingerprint."""

from __future__ import annotations

from briefbook.tables import esc

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
color:#222;max-width:60rem;margin:2rem auto;padding:0 1.25rem;line-height:1.5}
h1{font-size:1.9rem;margin-bottom:.25rem}.lede{color:#555;margin-top:0}
ol{padding-left:1.2rem}li{margin:1.1rem 0}a{color:#0b57a4}
.meta{color:#555;font-size:.9rem}code{font-size:.9em}
@media print{a{color:inherit;text-decoration:none}}
"""


def render_index(entries: list[dict[str, str]], fingerprint: str) -> str:
    """The index HTML. ``entries`` carry name, title, bottom_line, as_of and fingerprint."""
    items = "".join(
        f'<li><a href="{esc(e["name"])}.html"><strong>{esc(e["title"])}</strong></a>'
        f'<br>{esc(e["bottom_line"])}<br><span class="meta">As of {esc(e["as_of"])} · '
        f'parameters {esc(e["parameters"])} · data fingerprint <code>{esc(e["fingerprint"])}</code>'
        f"</span></li>"
        for e in entries
    )
    if not items:
        items = "<li>No brief has been built yet: run <code>make briefs</code>.</li>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>briefbook: the S-400 buyback briefs</title><style>{STYLE}</style></head><body>"
        "<h1>The S-400 buyback briefs</h1>"
        '<p class="lede">Russia\'s reported offer to buy back the S-400s it sold to Turkey, and '
        "what it means for three threads. Every fact in the briefs cites its source paragraph; "
        "every judgment gives a likelihood and a confidence. "
        f"Data fingerprint <code>{esc(fingerprint)}</code>.</p>"
        f'<ol class="bb-index">{items}</ol></body></html>\n'
    )
