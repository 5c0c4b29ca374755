"""pytest hooks for the whole project: nbval's stale-output failures say how to fix them.

nbval reports "Cell outputs differ" and a long diff. The line put first (and into pytest's short
summary) says what that means here: the notebook's stored outputs are stale, and
``make notebooks`` re-runs the notebooks and stores fresh ones.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import pytest
from _pytest.reports import TestReport
from nbval.plugin import NbCellError

STALE = "Cell outputs differ"


def stale_hint(notebook: Path) -> str:
    return (f"{notebook.name}: the stored outputs are stale (a fresh run gives different ones); "
            "run `make notebooks` to refresh them, then commit the notebook.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, None]:
    outcome = yield
    report: TestReport = outcome.get_result()
    error = call.excinfo.value if call.excinfo else None
    if report.failed and isinstance(error, NbCellError) and str(error) == STALE:
        hint = stale_hint(Path(str(item.fspath)))
        report.longrepr = f"{hint}\n\n{report.longreprtext}"
