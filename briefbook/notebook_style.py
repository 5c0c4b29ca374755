"""The brief's table and badge styles, scoped to JupyterLab's output area.

JupyterLab styles HTML outputs its own way (right-aligned cells, fixed-width centred tables), so
a notebook's tables would not look like the brief's. :func:`notebook_style` returns a ``<style>``
element holding the brief's own rules for tables, badges and the other ``bb-`` classes, read from
the brief template (one source for both), nested inside JupyterLab's output classes. In
JupyterLab the rules win over its defaults; in a brief, which has no such classes, they match
nothing, so the brief looks exactly as before. The text is a pure function of the
template, so stored outputs stay deterministic.
"""

from __future__ import annotations

import re
from functools import cache

from briefbook.config import TEMPLATES_DIR

TEMPLATE = TEMPLATES_DIR / "briefbook" / "index.html.j2"
# Two classes of JupyterLab's HTML output element: more specific than its own table rules.
SCOPE = ".jp-RenderedHTMLCommon.jp-OutputArea-output"
# Rules kept: tables and their parts, and briefbook's own classes (not the page's layout).
KEPT = re.compile(r"^(table|caption|thead|tbody|tr|th|td)\b|^[a-z]*\.bb-|^:root$")
LAYOUT = re.compile(r"\b(main|nav|body|html)\b|\.bb-(toc|brief)\b")
RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")


def _top_level_css(template: str) -> str:
    """The template's first stylesheet, without its @-blocks (print and page rules)."""
    css = template.split("<style>", 1)[1].split("</style>", 1)[0]
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out, depth, block_depth = [], 0, None
    for char in css:
        if char == "@" and depth == 0:
            block_depth = 0
        if block_depth is None:
            out.append(char)
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if block_depth is not None and depth == 0:
                block_depth = None
    return "".join(out)


def _kept(selector: str) -> bool:
    return all(KEPT.search(p.strip()) and not LAYOUT.search(p) for p in selector.split(","))


@cache
def notebook_css() -> str:
    """The kept rules nested inside :data:`SCOPE` (CSS nesting), one per line."""
    rules = []
    for selector, body in RULE.findall(_top_level_css(TEMPLATE.read_text(encoding="utf-8"))):
        selector, body = " ".join(selector.split()), " ".join(body.split())
        if selector == ":root":
            rules.append(body)  # the brief's colour variables, declared on the scope itself
        elif _kept(selector):
            rules.append(f"{selector} {{ {body} }}")
    # JupyterLab fixes its tables' layout and centres them; the brief's flow like text.
    rules.append("table { table-layout: auto; margin-left: 0; margin-right: 0; }")
    return SCOPE + " {\n" + "\n".join(rules) + "\n}"


def notebook_style() -> str:
    """A ``<style>`` element with :func:`notebook_css`, for a notebook's first output."""
    return f'<style class="bb-notebook-style">\n{notebook_css()}\n</style>'
