"""The manifest: notebooks inside ``notebooks/`` only, and errors that never quote a file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from briefbook.exceptions import ManifestError
from briefbook.manifest import read_manifest
from tests.conftest import PROJECT, run_cli

SECRET = "TOP-SECRET-7f3a do not print me"


def manifest_at(root: Path, notebook: str) -> Path:
    path = root / "manifest.json"
    path.write_text(json.dumps({"briefs": [{"name": "overview", "notebook": notebook}]}),
                    encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A folder with a notebooks/ of its own, holding a copy of the overview notebook."""
    (tmp_path / "notebooks").mkdir()
    shutil.copy(PROJECT / "notebooks" / "overview.ipynb", tmp_path / "notebooks")
    (tmp_path / "secret.ipynb").write_text(SECRET, encoding="utf-8")
    return tmp_path


def test_a_notebook_inside_notebooks_is_accepted(project: Path) -> None:
    [spec] = read_manifest(manifest_at(project, "notebooks/overview.ipynb"))
    assert spec.notebook == (project / "notebooks" / "overview.ipynb").resolve()


@pytest.mark.parametrize("given", [
    "secret.ipynb",  # beside the manifest, not in notebooks/
    "notebooks/../secret.ipynb",
    "/etc/passwd",
    "notebooks/overview.txt",
])
def test_a_notebook_outside_notebooks_is_refused_without_quoting_it(
    project: Path, given: str
) -> None:
    with pytest.raises(ManifestError, match=r"must be an \.ipynb file inside notebooks/") as err:
        read_manifest(manifest_at(project, given))
    assert SECRET not in str(err.value)


def test_a_symlink_out_of_notebooks_is_refused(project: Path) -> None:
    (project / "notebooks" / "link.ipynb").symlink_to(project / "secret.ipynb")
    with pytest.raises(ManifestError, match="inside notebooks/") as err:
        read_manifest(manifest_at(project, "notebooks/link.ipynb"))
    assert SECRET not in str(err.value)


def test_an_unreadable_notebook_is_named_not_quoted(project: Path) -> None:
    (project / "notebooks" / "broken.ipynb").write_text(SECRET, encoding="utf-8")
    with pytest.raises(ManifestError, match="not a readable Jupyter notebook") as err:
        read_manifest(manifest_at(project, "notebooks/broken.ipynb"))
    assert SECRET not in str(err.value)


def test_the_command_line_never_prints_a_files_contents(project: Path) -> None:
    """A private file given as the manifest, or named by it: the build says no, quoting nothing."""
    (project / "not-json.txt").write_text(SECRET + "\n{", encoding="utf-8")
    for manifest in (project / "not-json.txt", manifest_at(project, "secret.ipynb")):
        done = run_cli("build", "--manifest", str(manifest), "--out", str(project / "briefs"))
        assert done.returncode == 1
        assert "briefbook: " in done.stderr
        assert SECRET not in done.stdout + done.stderr
