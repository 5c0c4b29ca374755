"""briefbook: a sourced, reproducible analytic briefing book built from notebooks."""

__version__ = "0.1.0"
