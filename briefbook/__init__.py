"""briefbook: a sourced, reproducible analytic briefing book built from notebooks.

Notebooks import the package as ``bb`` and use what is re-exported here; everything else lives
in the modules named in the README's map. The re-exports load on first use, so the command line
(``python -m briefbook validate``) does not pay for pandas and plotly it does not need.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

# jsonschema, which nbformat and plotly pull in, imports ``rfc3987_syntax`` whenever it is
# installed (JupyterLab's dependencies install it), and that compiles some forty Lark grammars:
# 1-2 s in every kernel and build process (see benchmarks/README.md), for IRI format checks
# nothing here uses. Marking the module unavailable makes jsonschema skip those checks. Only
# processes that import briefbook (kernels running a brief, the build) are affected.
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]

__version__ = "0.1.0"

_EXPORTS = {
    "Brief": "briefbook.brief",
    "open_brief": "briefbook.brief",
    "bar_counts": "briefbook.charts",
    "delivery_chart": "briefbook.charts",
    "timeline": "briefbook.charts",
    "Chart": "briefbook.chartdata",
    "with_data": "briefbook.chartdata",
    "counts_with_data": "briefbook.chartdata",
    "delivery_columns": "briefbook.chartdata",
    "cite": "briefbook.citations",
    "Html": "briefbook.tables",
    "badge": "briefbook.tables",
    "empty_state": "briefbook.tables",
    "esc": "briefbook.tables",
    "html_table": "briefbook.tables",
    "paragraph": "briefbook.tables",
    "quantity": "briefbook.tables",
    "origin_counts": "briefbook.tradecraft",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'briefbook' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
