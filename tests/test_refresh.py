"""``make notebooks`` (briefbook.refresh): fresh outputs, written only when they changed."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT
from tests.test_nbval_hint import make_stale

pytestmark = pytest.mark.slow
NOTEBOOKS = ["steel_dome.ipynb", "caatsa_f35.ipynb"]


def refresh(*paths: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "briefbook.refresh", *map(str, paths)],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)


def test_refresh_rewrites_stale_notebooks_only(tmp_path: Path) -> None:
    stale, fresh = (tmp_path / name for name in NOTEBOOKS)
    for name in NOTEBOOKS:
        shutil.copy2(PROJECT / "notebooks" / name, tmp_path / name)
    make_stale(stale)
    fresh_stamp = fresh.stat().st_mtime_ns

    done = refresh(stale, fresh)  # both at once, on two workers
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{stale.name}: refreshed (outputs changed)" in done.stdout
    assert f"{fresh.name}: unchanged" in done.stdout
    # the refreshed notebook is exactly what is committed (which nbval checks is fresh)
    assert stale.read_bytes() == (PROJECT / "notebooks" / stale.name).read_bytes()
    assert fresh.stat().st_mtime_ns == fresh_stamp  # not even rewritten


def test_a_failing_notebook_is_reported_and_left_alone(tmp_path: Path) -> None:
    broken = tmp_path / "steel_dome.ipynb"
    text = (PROJECT / "notebooks" / broken.name).read_text(encoding="utf-8")
    broken.write_text(text.replace('"import briefbook as bb', '"import briefbook_missing as bb',
                                   1), encoding="utf-8")
    before = broken.read_bytes()
    done = refresh(broken)
    assert done.returncode == 1
    assert f"{broken.name}: FAILED:" in done.stdout and "ModuleNotFoundError" in done.stdout
    assert broken.read_bytes() == before
