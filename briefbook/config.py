"""Every path the project uses, derived from the package's own location.

Nothing depends on the working directory: notebooks run from ``notebooks/``, the CLI from the
project root and tests from a temporary folder all see the same paths.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent
DATA_DIR = Path(os.environ.get("BRIEFBOOK_DATA", PROJECT_DIR / "data"))
NOTEBOOKS_DIR = PROJECT_DIR / "notebooks"
BRIEFS_DIR = PROJECT_DIR / "briefs"
SOURCES_DIR = Path(os.environ.get("BRIEFBOOK_SOURCES", PROJECT_DIR.parent / "shared" / "seeds"))
TEMPLATES_DIR = PACKAGE_DIR / "templates"
MANIFEST_PATH = PROJECT_DIR / "manifest.json"
DATAPACKAGE_NAME = "datapackage.json"
VENDOR_DIR = Path(os.environ.get("BRIEFBOOK_VENDOR", PROJECT_DIR / "vendor"))
