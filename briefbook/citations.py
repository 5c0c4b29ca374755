"""Citations: every row a brief shows links to its source and paragraph in the source list."""

from __future__ import annotations

from html import escape


def anchor(source_id: str, paragraph: int | None = None) -> str:
    """The id of a source entry (``src-s004``) or of one of its paragraphs (``src-s004-p2``)."""
    base = f"src-{source_id}"
    return base if paragraph is None else f"{base}-p{int(paragraph)}"


def cite(source_id: str, paragraph: int) -> str:
    """A citation link, e.g. ``[s004 ¶2]``, pointing at the paragraph in the source list."""
    sid = escape(str(source_id))
    return (f'<a class="bb-cite" href="#{anchor(sid, paragraph)}" '
            f'title="Source {sid}, paragraph {int(paragraph)}">[{sid}&nbsp;¶{int(paragraph)}]</a>')


def cite_row(row: object) -> str:
    """The citation of a fact row (anything with ``source_id`` and ``paragraph``)."""
    return cite(row["source_id"], row["paragraph"])  # type: ignore[index]
