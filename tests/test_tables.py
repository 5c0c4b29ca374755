"""The table renderer: escaping, citations, empty states and pagination."""

from __future__ import annotations

import pandas as pd

from briefbook.citations import anchor, cite
from briefbook.tables import MAX_ROWS, Html, badge, html_table

HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(2)">'


def frame(n: int = 2, text: str = "plain") -> pd.DataFrame:
    return pd.DataFrame({"text": [text] * n, "status": ["denied"] * n,
                         "source_id": ["s004"] * n, "paragraph": [3] * n})


def test_text_from_the_data_is_escaped() -> None:
    html = html_table(frame(text=HOSTILE), [("Text", "text")])
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_every_row_cites_its_source_paragraph() -> None:
    html = html_table(frame(3), [("Text", "text")])
    assert html.count('href="#src-s004-p3"') == 3
    assert cite("s004", 3) in html
    assert anchor("s004", 3) == "src-s004-p3"


def test_accented_names_survive() -> None:
    html = html_table(frame(1, "Cavit Çağlar and Yaşar Güler"), [("Text", "text")])
    assert "Cavit Çağlar and Yaşar Güler" in html


def test_empty_frame_gives_an_empty_state() -> None:
    html = html_table(frame(0), [("Text", "text")], empty="Nothing here.")
    assert "bb-empty" in html and "Nothing here." in html and "<table" not in html


def test_long_tables_are_cut_with_a_note() -> None:
    html = html_table(frame(MAX_ROWS + 7), [("Text", "text")])
    assert html.count("<tr>") == MAX_ROWS + 1  # header + rows
    assert "and 7 more rows, not shown" in html


def test_badges_and_plain_text_repr_are_stable() -> None:
    assert 'class="bb-status bb-status-denied"' in badge("denied")
    assert "bb-status-proposed-blocked" in badge("proposed, blocked")
    assert repr(Html("<p>x</p>")) == "<briefbook section>"
