"""briefbook: a sourced, reproducible analytic briefing book built from notebooks.

Notebooks import the package as ``bb`` and use what is re-exported here; everything else lives
in the modules named in the README's map.
"""

from briefbook.brief import Brief, open_brief
from briefbook.charts import bar_counts, delivery_chart, timeline
from briefbook.citations import cite
from briefbook.tables import Html, badge, empty_state, esc, html_table, paragraph

__version__ = "0.1.0"
__all__ = [
    "Brief", "Html", "badge", "bar_counts", "cite", "delivery_chart", "empty_state", "esc",
    "html_table", "open_brief", "paragraph", "timeline",
]
