"""The index page: every brief that exists with its bottom line, as-of date and fingerprint; the
edition history; and each thread's judgments across editions as small charts with a text table.

Everything comes from the briefs' own summaries (each derived from its edition's scope), so a
past edition's index stays byte-identical when later editions are added.
"""

from __future__ import annotations

from collections.abc import Callable

from briefbook.tables import esc

STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;
color:#222;max-width:60rem;margin:2rem auto;padding:0 1.25rem;line-height:1.5}
h1{font-size:1.9rem;margin-bottom:.25rem}.lede{color:#555;margin-top:0}
ol{padding-left:1.2rem}li{margin:1.1rem 0}a{color:#0b57a4}
.meta{color:#555;font-size:.9rem}code{font-size:.9em}
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border-bottom:1px solid #ddd;
padding:.3rem .6rem;text-align:left;vertical-align:top}th{background:#f3f4f6}
.bb-trajectory{display:flex;gap:1rem;align-items:flex-start;margin:.75rem 0}
.bb-trajectory svg{flex:none}.bb-trajectory table{font-size:.85rem;margin:0}
@media print{a{color:inherit;text-decoration:none}}
@media print{h1,h2,h3{break-after:avoid}li,tr,.bb-trajectory{break-inside:avoid}
thead{display:table-header-group}}
"""
CHART_W, CHART_H, PAD = 200, 70, 18


def _trajectory_svg(points: list[dict[str, object]], label: str, editions: int) -> str:
    """A likelihood range (min–max %) per edition, as an inline SVG drawn the same every time:
    one slot per edition, so a judgment first made in edition 2 starts in the second slot."""
    step = (CHART_W - 2 * PAD) / max(1, editions)
    bars = []
    for p in points:
        x = PAD + (int(p["edition"]) - 1) * step + step * 0.25  # type: ignore[call-overload]
        top = PAD / 2 + (100 - int(p["max"])) * (CHART_H - PAD * 1.5) / 100  # type: ignore[call-overload]
        bottom = PAD / 2 + (100 - int(p["min"])) * (CHART_H - PAD * 1.5) / 100  # type: ignore[call-overload]
        bars.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{step * 0.5:.1f}" '
                    f'height="{max(bottom - top, 1.5):.1f}" fill="#0b57a4"/>'
                    f'<text x="{x + step * 0.25:.1f}" y="{CHART_H - 2}" font-size="10" '
                    f'text-anchor="middle" fill="#333">ed. {esc(p["edition"])}</text>')
    axis = (f'<line x1="{PAD - 4}" y1="{PAD / 2}" x2="{PAD - 4}" y2="{CHART_H - PAD}" '
            'stroke="#999"/><text x="0" y="12" font-size="9" fill="#555">100%</text>'
            f'<text x="0" y="{CHART_H - PAD}" font-size="9" fill="#555">0%</text>')
    return (f'<svg width="{CHART_W}" height="{CHART_H}" viewBox="0 0 {CHART_W} {CHART_H}" '
            f'role="img" aria-label="{esc(label)}: likelihood range by edition (table beside)">'
            f"{axis}{''.join(bars)}</svg>")


def _trajectories(entries: list[dict]) -> str:
    """Per thread (first brief of each), each judgment's likelihood across editions."""
    seen, parts = set(), []
    for e in entries:
        if e["title"] in seen or not e.get("trajectories"):
            continue
        seen.add(e["title"])
        items = []
        for t in e["trajectories"]:
            rows = "".join(
                f"<tr><td>{esc(p['edition'])}</td><td>{esc(p['likelihood'])} "
                f"({esc(p['min'])}–{esc(p['max'])}%)</td><td>{esc(p['confidence'])}</td><td>"
                + ("as above" if p.get("statement", t["statement"]) == t["statement"]
                   else esc(p["statement"])) + "</td></tr>" for p in t["points"])
            items.append(
                f'<div class="bb-trajectory">'
                f'{_trajectory_svg(t["points"], t["judgment_id"], len(e.get("editions", [])))}'
                f'<div><p><strong>{esc(t["judgment_id"])}</strong> {esc(t["statement"])}</p>'
                f"<table><thead><tr><th>Edition</th><th>Likelihood</th><th>Confidence</th>"
                f"<th>Worded then</th></tr>"
                f"</thead><tbody>{rows}</tbody></table></div></div>")
        parts.append(f"<h3>{esc(e['title'])}</h3>" + "".join(items))
    return "".join(parts)


def _history(entries: list[dict], link: Callable[[int], str | None]) -> str:
    editions = max((e.get("editions", []) for e in entries), key=len, default=[])
    if not editions:
        return ""
    rows = []
    for ed in editions:
        href = link(int(ed["edition"]))
        where = (f'<a href="{esc(href)}">edition {esc(ed["edition"])}</a>' if href else
                 f'not built here: <code>python -m briefbook build --edition {esc(ed["edition"])}'
                 "</code>")
        rows.append(f"<tr><td>{esc(ed['edition'])}</td><td>{esc(ed['as_of'])}</td>"
                    f"<td>{esc(ed['summary'])}</td><td>{where}</td></tr>")
    return ("<h2>Edition history</h2><table><thead><tr><th>Edition</th><th>As of</th>"
            "<th>What changed</th><th>Its briefs</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def render_index(entries: list[dict], link: Callable[[int], str | None] | None = None) -> str:
    """The index HTML. ``entries`` are the briefs' summaries plus name and parameters;
    ``link(n)`` gives the address of edition ``n``'s index, or None when it is not built."""
    link = link or (lambda n: None)
    items = "".join(
        f'<li><a href="{esc(e["name"])}.html"><strong>{esc(e["title"])}</strong></a>'
        f'<br>{esc(e["bottom_line"])}<br><span class="meta">Edition {esc(e.get("edition", ""))}'
        f' · as of {esc(e["as_of"])} · parameters {esc(e["parameters"])} · data fingerprint '
        f'<code>{esc(e["fingerprint"])}</code></span></li>'
        for e in entries
    )
    if not items:
        items = "<li>No brief has been built yet: run <code>make briefs</code>.</li>"
    editions = {e.get("edition") for e in entries}
    which = (f"Edition {esc(editions.pop())}, as of {esc(entries[0]['as_of'])}. "
             if len(editions) == 1 and entries else "")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>briefbook: the S-400 buyback briefs</title><style>{STYLE}</style></head><body>"
        "<main><h1>The S-400 buyback briefs</h1>"
        '<p class="lede">Russia\'s reported offer to buy back the S-400s it sold to Turkey, and '
        "what it means for three threads. Every fact in the briefs cites its source paragraph; "
        f"every judgment gives a likelihood and a confidence. {which}</p>"
        f'<ol class="bb-index">{items}</ol>'
        + _history(entries, link)
        + ("<h2>Key judgments across editions</h2><p class=\"meta\">Each bar is the ICD 203 "
           "range of the judgment's likelihood at that edition.</p>" + _trajectories(entries)
           if any(e.get("trajectories") for e in entries) else "")
        + "</main></body></html>\n"
    )
