"""The README is a map and stays true: every path in its map of the code exists."""

from __future__ import annotations

import re

from tests.conftest import PROJECT


def test_every_path_in_the_code_map_exists() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Map of the code", 1)[1].split("```")[1]
    folder = ""
    paths = []
    for line in block.splitlines():
        if not line.strip():
            continue
        first = line.split()[0]
        if not line.startswith(" "):
            folder = first if first.endswith("/") else ""
            paths.append(first)
        else:
            paths += [folder + name for name in re.split(r",\s*", line.strip().split("  ")[0])]
    assert len(paths) > 20
    missing = [p for p in paths if not (PROJECT / p).exists()]
    assert not missing


def test_every_data_file_is_described() -> None:
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    for csv in sorted((PROJECT / "data").glob("*.csv")):
        assert f"`{csv.name}`" in readme, csv.name
