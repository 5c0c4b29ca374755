"""A stale stored output fails nbval with one line naming the fix (the root conftest.py)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT

pytestmark = pytest.mark.slow
NOTEBOOK = "steel_dome.ipynb"


def make_stale(path: Path) -> None:
    """Replace the first stored HTML output, as an edit of the data without a re-run would."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if "text/html" in output.get("data", {}):
                output["data"]["text/html"] = ["<p>an output from before the edit</p>"]
                path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
                return
    raise AssertionError(f"{path} has no stored HTML output")


def test_stale_outputs_fail_with_the_make_notebooks_hint(tmp_path: Path) -> None:
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    shutil.copy(PROJECT / "conftest.py", tmp_path)
    shutil.copy(PROJECT / "notebooks" / NOTEBOOK, notebooks)
    make_stale(notebooks / NOTEBOOK)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "notebooks", "--nbval", "-q", "-p", "no:cacheprovider",
         "-rf", "-W", "ignore"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 1, done.stdout[-2000:]
    hint = (f"{NOTEBOOK}: the stored outputs are stale (a fresh run gives different ones); "
            "run `make notebooks` to refresh them, then commit the notebook.")
    assert hint in done.stdout
    summary = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert summary and all("the stored outp" in line for line in summary), summary
