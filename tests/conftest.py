"""Shared fixtures: the project's paths and one real build of every brief per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefbook import config
from briefbook.pdf import CHROMIUM_ARGS  # noqa: F401 (the browser tests' Chromium flags)

PROJECT = config.PROJECT_DIR
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def run_cli(*args: str, cwd: Path = PROJECT, timeout: int = 600,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m briefbook ARGS`` as a user would; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "briefbook", *args], cwd=cwd, capture_output=True, text=True,
        timeout=timeout, env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="session")
def built_briefs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every brief in the manifest, built once with real kernels into a temporary folder."""
    out = tmp_path_factory.mktemp("briefs")
    done = run_cli("build", "--out", str(out))
    assert done.returncode == 0, done.stderr
    return out


def require_chromium() -> str:
    """Debian's Chromium, or skip (outside CI) / fail (in CI, where it must be installed)."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    message = ("Debian's chromium is not installed: `sudo apt-get install chromium "
               "chromium-driver` (the browser tests drive it headless through Playwright)")
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
