"""Source texts: paragraphs are the non-empty lines, numbered from 1; files are fingerprinted."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from briefbook.sourcetext import read_paragraphs, sha256_of


def test_paragraphs_skip_blank_lines_and_number_from_one(tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_text("\n\nFirst paragraph.\n\n   \n\tSecond, indented.  \nThird.\n\n", "utf-8")
    paragraphs = read_paragraphs(path)
    assert paragraphs == ["First paragraph.", "Second, indented.", "Third."]
    numbered = dict(enumerate(paragraphs, start=1))
    assert numbered[1] == "First paragraph."
    assert numbered[3] == "Third."


def test_paragraphs_handle_crlf_and_no_final_newline(tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_bytes("Один\r\n\r\nTürkiye's S-400\r\nlast".encode())
    assert read_paragraphs(path) == ["Один", "Türkiye's S-400", "last"]


def test_empty_or_blank_file_has_no_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "blank.txt"
    path.write_text("\n \n\t\n", "utf-8")
    assert read_paragraphs(path) == []


def test_paragraphs_refuse_bad_bytes_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf\xe9\n")
    with pytest.raises(UnicodeDecodeError):
        read_paragraphs(path)
    with pytest.raises(OSError):
        read_paragraphs(tmp_path / "missing.txt")


def test_sha256_of_known_values(tmp_path: Path) -> None:
    path = tmp_path / "abc.txt"
    path.write_bytes(b"abc")
    assert sha256_of(path) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    path.write_bytes(b"")
    assert sha256_of(path) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_sha256_of_sees_every_byte(tmp_path: Path) -> None:
    lf, crlf = tmp_path / "lf.txt", tmp_path / "crlf.txt"
    lf.write_bytes(b"one\ntwo\n")
    crlf.write_bytes(b"one\r\ntwo\r\n")
    assert read_paragraphs(lf) == read_paragraphs(crlf)
    assert sha256_of(lf) != sha256_of(crlf)
    assert sha256_of(lf) == hashlib.sha256(b"one\ntwo\n").hexdigest()
