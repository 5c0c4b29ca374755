"""``python -m briefbook``: the command-line interface."""

from briefbook.cli import main

raise SystemExit(main())
