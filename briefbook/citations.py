"""Citations: every row a brief shows links to its source and paragraph in the source list.

Each citation is also recorded, with the words it quotes, so that a brief's Sources section
lists exactly the paragraphs that brief cites (:func:`reset_record` starts a brief afresh).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from html import escape

_RECORD: dict[tuple[str, int], list[str]] = {}


def anchor(source_id: str, paragraph: int | None = None) -> str:
    """The id of a source entry (``src-s004``) or of one of its paragraphs (``src-s004-p2``)."""
    base = f"src-{source_id}"
    return base if paragraph is None else f"{base}-p{int(paragraph)}"


def cite(source_id: str, paragraph: int, evidence: str | None = None) -> str:
    """A citation link, e.g. ``[s004 ¶2]``, pointing at the paragraph in the source list.

    ``evidence``, the words the citing row quotes, is recorded for the Sources section.
    """
    quotes = _RECORD.setdefault((str(source_id), int(paragraph)), [])
    if evidence and evidence not in quotes:
        quotes.append(str(evidence))
    sid = escape(str(source_id))
    return (f'<a class="bb-cite" href="#{anchor(sid, paragraph)}" '
            f'title="Source {sid}, paragraph {int(paragraph)}">[{sid}&nbsp;¶{int(paragraph)}]</a>')


def cite_row(row: object) -> str:
    """The citation of a fact row (anything with ``source_id``, ``paragraph``, ``evidence``)."""
    return cite(row["source_id"], row["paragraph"], row.get("evidence"))  # type: ignore[index,attr-defined]


def reset_record() -> None:
    """Forget what was cited: a new brief starts with an empty Sources section."""
    _RECORD.clear()


def recorded() -> dict[tuple[str, int], list[str]]:
    """Every (source, paragraph) cited since the last reset, with the words quoted there."""
    return dict(_RECORD)


@contextmanager
def recording_paused() -> Iterator[None]:
    """Citations made inside do not count as cited (text for a CSV download, not the page)."""
    saved = {key: list(quotes) for key, quotes in _RECORD.items()}
    try:
        yield
    finally:
        _RECORD.clear()
        _RECORD.update(saved)
