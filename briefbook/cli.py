"""The command line: parse options, make one call into the package, print, exit.

``python -m briefbook validate [--data DIR] [--sources DIR]``
``python -m briefbook build [--jobs N] [--force] [--only NAME ...] [-p NAME=VALUE ...]``
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from briefbook import config
from briefbook.atomic import build_lock
from briefbook.exceptions import BriefbookError
from briefbook.validate import validate_package


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m briefbook", description=__doc__.splitlines()[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)

    val = sub.add_parser("validate", help="check the data package (schema, rules, provenance)")
    val.add_argument("--data", type=Path, default=Path("data"), help="data package folder")
    val.add_argument(
        "--sources",
        type=Path,
        default=None,
        help="folder of source texts; when given, provenance is checked too",
    )

    build = sub.add_parser("build", help="execute the notebooks and render the HTML briefs")
    build.add_argument("--jobs", "-j", type=int, default=None, help="briefs run in parallel")
    build.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    build.add_argument("--only", nargs="+", metavar="BRIEF", help="build only these briefs")
    build.add_argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a parameter for every brief built",
    )
    build.add_argument("--manifest", type=Path, default=config.MANIFEST_PATH)
    build.add_argument("--out", type=Path, default=config.BRIEFS_DIR, help="briefs folder")
    build.add_argument("--data", type=Path, default=config.DATA_DIR, help="data package folder")
    build.add_argument(
        "--sources",
        type=Path,
        default=config.SOURCES_DIR,
        help="folder of source texts, for provenance checks",
    )
    build.add_argument("--timeout", type=int, default=None, help="seconds a cell may run")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.data, args.sources)
        return _build(args)
    except BriefbookError as exc:
        print(f"briefbook: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "briefbook: interrupted; finished briefs were kept, unfinished ones not written.",
            file=sys.stderr,
        )
        return 130


def _validate(data: Path, sources: Path | None) -> int:
    problems = validate_package(data, sources)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s) found in {data}.", file=sys.stderr)
        return 1
    checked = " and its provenance against " + str(sources) if sources else ""
    print(f"The data package in {data}{checked} is valid.")
    return 0


def _build(args: argparse.Namespace) -> int:
    # A SIGTERM (``kill``, a CI timeout) unwinds like Ctrl-C: workers and kernels are stopped
    # and unfinished briefs are not written, instead of the build dying with its kernels orphaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Take the lock before importing the build machinery (seconds of imports), so a second
    # build on the same folder is refused at once.
    with build_lock(args.out):
        from briefbook.build import build_briefs, parse_overrides

        result = build_briefs(
            manifest=args.manifest,
            out_dir=args.out,
            data_dir=args.data,
            sources_dir=args.sources,
            jobs=args.jobs,
            force=args.force,
            only=args.only,
            overrides=parse_overrides(args.param),
            cell_timeout=args.timeout,
        )
    return 0 if result.ok else 1
