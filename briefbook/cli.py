"""The command line: parse options, make one call into the package, print, exit.

``python -m briefbook validate [--data DIR] [--sources DIR]``
``python -m briefbook build [--jobs N] [--force] [--only NAME ...] [-p NAME=VALUE ...]``
``python -m briefbook preview [--port P] [--edition N]``
``python -m briefbook source add PATH [--data DIR] [--sources DIR]``
``python -m briefbook locate WORDS ... [--sources DIR] [--data DIR]``
``python -m briefbook pdf [--edition N] [--paper a4|letter]``

What a user reads in ``--help`` is :data:`DESCRIPTION`, :data:`EPILOG` and each subcommand's
own description and example, never this docstring.
"""

from __future__ import annotations

import argparse
import signal
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

from briefbook import config
from briefbook.atomic import build_lock
from briefbook.exceptions import BriefbookError, ParameterError
from briefbook.sources import add_source, locate
from briefbook.validate import validate_package

DESCRIPTION = """\
Build and preview the S-400 buyback briefing book: validate the data in data/, run the
notebooks in notebooks/ and render them into offline HTML briefs in briefs/."""

EPILOG = """\
examples:
  python -m briefbook validate --sources ../shared/seeds   check the data and its citations
  python -m briefbook build                                build the briefs that changed
  python -m briefbook preview                              serve the briefs, rebuild on save
  python -m briefbook pdf                                  print the briefs and the book to PDF
  python -m briefbook locate "last month"                  find a passage to cite

Run `python -m briefbook COMMAND --help` for one command's options."""

RAW = argparse.RawDescriptionHelpFormatter


def _wrap(text: str) -> str:
    """A description as a paragraph for the terminal (RAW keeps examples' line breaks)."""
    return textwrap.fill(text, width=88)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m briefbook", description=DESCRIPTION, epilog=EPILOG, formatter_class=RAW,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    val = sub.add_parser(
        "validate",
        help="check the data package (schema, rules, provenance)",
        description=_wrap(
            "Check the data package: its schema, the analytic rules of data/README.md "
            "and, with --sources, that every cited fragment is in its paragraph. Each "
            "problem is printed as `file:line: column: 'value' rule`."),
        epilog="example:\n  python -m briefbook validate --data data --sources ../shared/seeds",
        formatter_class=RAW,
    )
    val.add_argument("--data", type=Path, default=Path("data"), help="data package folder")
    val.add_argument(
        "--sources",
        type=Path,
        default=None,
        help="folder of source texts; when given, provenance is checked too",
    )

    build = sub.add_parser(
        "build",
        help="execute the notebooks and render the HTML briefs",
        description=_wrap(
            "Validate the data, then run the notebooks the manifest lists and render "
            "each into briefs/NAME.html, in parallel; briefs whose inputs did not change "
            "are kept as they are. briefs/index.html is written last."),
        epilog="examples:\n"
               "  python -m briefbook build                      the latest edition, into briefs/\n"
               "  python -m briefbook build --only overview      one brief\n"
               "  python -m briefbook build -p as_of=2025-09-15  another knowledge cut-off\n"
               "  python -m briefbook build --edition 1          edition 1, into "
               "briefs/editions/1/",
        formatter_class=RAW,
    )
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
    _build_inputs(build)
    build.add_argument("--timeout", type=int, default=None, help="seconds a cell may run")
    which = build.add_mutually_exclusive_group()
    which.add_argument("--edition", type=int, metavar="N",
                       help="build edition N (data/editions.csv) into briefs/editions/N/")
    which.add_argument("--all-editions", action="store_true",
                       help="build every edition into briefs/editions/N/, then the latest into "
                            "briefs/")

    preview = sub.add_parser(
        "preview",
        help="serve the briefs on this machine and rebuild them on every save",
        description=_wrap(
            "Serve briefs/ at http://127.0.0.1:PORT/ (this machine only; nothing is "
            "opened for you) and watch data/, notebooks/, manifest.json and the source "
            "texts. On a save it validates, rebuilds only the briefs the change affects "
            "(the one open in your browser first) and reloads the open pages. A bad "
            "edit is shown as a banner in the page and on the terminal; the last good "
            "brief stays. Ctrl-C stops it."),
        epilog="examples:\n"
               "  python -m briefbook preview                 then open http://127.0.0.1:8000/\n"
               "  python -m briefbook preview --edition 1     work on edition 1's briefs",
        formatter_class=RAW,
    )
    preview.add_argument("--port", type=int, default=8000,
                         help="port on 127.0.0.1 (default: %(default)s; 0 picks a free one)")
    preview.add_argument("--edition", type=int, metavar="N",
                         help="preview edition N, built into briefs/editions/N/")
    preview.add_argument("--jobs", "-j", type=int, default=None, help="briefs run in parallel")
    _build_inputs(preview)

    source = sub.add_parser(
        "source",
        help="register a new source text: python -m briefbook source add PATH",
        description="Manage the source texts (one action: add).",
        epilog="example:\n  python -m briefbook source add ~/Downloads/006_ministry_statement.txt",
        formatter_class=RAW,
    )
    source_sub = source.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = source_sub.add_parser(
        "add",
        help="copy a text into the sources folder and add its row to sources.csv",
        description="Register a new source text: copy it in and add its row to sources.csv.",
        epilog=(
            "example:\n  python -m briefbook source add ~/Downloads/006_ministry_statement.txt\n\n"
            "It prints the new source id, the fields you must fill in sources.csv and the\n"
            "paragraphs numbered as they are cited (¶1, ¶2 …)."
        ),
        formatter_class=RAW,
    )
    add.add_argument("path", type=Path, metavar="PATH",
                     help="the text: UTF-8, one paragraph per non-empty line")
    _data_and_sources(add, "folder the text is copied into")

    loc = sub.add_parser(
        "locate",
        help="find which source and paragraph hold some words (for citations)",
        description="Find which source and paragraph hold some words, to cite them.",
        epilog=(
            'example:\n  python -m briefbook locate "last month"\n\n'
            "Case, spacing and curly or straight quotes do not matter; each hit is printed as\n"
            "`s004 ¶27 (file)` and the paragraph, with the words marked [[like this]]."
        ),
        formatter_class=RAW,
    )
    loc.add_argument("words", nargs="+", metavar="WORDS", help="a few words of the text")
    _data_and_sources(loc, "folder of source texts to search")

    pdf = sub.add_parser(
        "pdf",
        help="print every brief and the whole book to PDF (needs Debian's chromium)",
        description=_wrap(
            "Print every built brief to briefs/pdf/NAME.pdf and the whole book (the index, "
            "then every brief in manifest order) to briefs/pdf/book.pdf, through headless "
            "Chromium: page numbers, a running title with edition and as-of date, charts as "
            "vectors, working citation links and bookmarks. Build the briefs first."),
        epilog="examples:\n"
               "  python -m briefbook pdf                     A4, the latest edition\n"
               "  python -m briefbook pdf --edition 1 --paper letter",
        formatter_class=RAW,
    )
    pdf.add_argument("--edition", type=int, metavar="N",
                     help="print edition N's briefs (briefs/editions/N/) instead")
    pdf.add_argument("--paper", choices=["a4", "letter"], default="a4",
                     help="paper size (default: %(default)s)")
    pdf.add_argument("--out", type=Path, default=config.BRIEFS_DIR, help="briefs folder")
    pdf.add_argument("--manifest", type=Path, default=config.MANIFEST_PATH,
                     help="which notebook makes which brief (default: manifest.json)")
    return parser


def _build_inputs(parser: argparse.ArgumentParser) -> None:
    """The folders a build reads and writes (build and preview take the same)."""
    parser.add_argument("--manifest", type=Path, default=config.MANIFEST_PATH,
                        help="which notebook makes which brief (default: manifest.json)")
    parser.add_argument("--out", type=Path, default=config.BRIEFS_DIR, help="briefs folder")
    parser.add_argument("--data", type=Path, default=config.DATA_DIR, help="data package folder")
    parser.add_argument(
        "--sources",
        type=Path,
        default=config.SOURCES_DIR,
        help="folder of source texts, for provenance checks",
    )


def _data_and_sources(parser: argparse.ArgumentParser, sources_help: str) -> None:
    parser.add_argument("--data", type=Path, default=config.DATA_DIR, metavar="DIR",
                        help="data package folder (default: %(default)s)")
    parser.add_argument("--sources", type=Path, default=config.SOURCES_DIR, metavar="DIR",
                        help=f"{sources_help} (default: %(default)s)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.data, args.sources)
        if args.command == "source":
            return _add_source(args.path, args.data, args.sources)
        if args.command == "locate":
            return _locate(" ".join(args.words), args.sources, args.data)
        if args.command == "pdf":
            return _pdf(args)
        if args.command == "preview":
            return _preview(args)
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


def _add_source(path: Path, data: Path, sources: Path) -> int:
    added = add_source(path, data, sources)
    print(f"Added {added.source_id}: {added.file}, copied to {added.copied_to}")
    print(f"sha256: {added.sha256}")
    print(f"paragraphs: {len(added.paragraphs)}")
    print(f"Now fill in its row, {added.sources_csv} line {added.line}: "
          f"{', '.join(added.required)}.")
    if added.optional:
        print(f"Also {', '.join(added.optional)}, where the text names them.")
    print("Until then `python -m briefbook validate` names each required field left empty.")
    print()
    for number, text in enumerate(added.paragraphs, start=1):
        print(f"¶{number} {text}")
    return 0


def _locate(words: str, sources: Path, data: Path) -> int:
    hits, notes = locate(words, sources, data)
    for note in notes:
        print(f"briefbook: {note}", file=sys.stderr)
    for n, hit in enumerate(hits):
        label = (f"{hit.source_id} ¶{hit.paragraph} ({hit.file})" if hit.source_id
                 else f"{hit.file} ¶{hit.paragraph} (not registered)")
        print(("\n" if n else "") + label)
        print(hit.text)
    if not hits:
        print(f"No paragraph in {sources} holds {words!r}.", file=sys.stderr)
        return 1
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from briefbook.build import edition_folder
    from briefbook.pdf import print_pdfs

    folder = args.out if args.edition is None else edition_folder(args.out, args.edition)
    report = print_pdfs(folder, paper=args.paper, manifest=args.manifest)
    for name, pages in report.pages.items():
        print(f"{report.folder / name}.pdf: {pages} page(s)")
    print(f"Printed {len(report.pages)} PDF(s) in {report.seconds:.1f} s.")
    return 0


def _build(args: argparse.Namespace) -> int:
    # A SIGTERM (``kill``, a CI timeout) unwinds like Ctrl-C: workers and kernels are stopped
    # and unfinished briefs are not written, instead of the build dying with its kernels orphaned.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    # Take the lock before importing the build machinery (seconds of imports), so a second
    # build on the same folder is refused at once.
    with build_lock(args.out):
        from briefbook.build import build_briefs, parse_overrides

        overrides = parse_overrides(args.param)
        results = []
        for out_dir, as_of in _edition_runs(args, overrides):
            results.append(build_briefs(
                manifest=args.manifest,
                out_dir=out_dir,
                data_dir=args.data,
                sources_dir=args.sources,
                jobs=args.jobs,
                force=args.force,
                only=args.only,
                overrides={**overrides, **({"as_of": as_of} if as_of else {})},
                cell_timeout=args.timeout,
            ))
    return 0 if all(r.ok for r in results) else 1


def _preview(args: argparse.Namespace) -> int:
    from briefbook.preview import Preview, run_preview

    args.param, args.all_editions = [], False
    [(out_dir, as_of)] = _edition_runs(args, {})
    sources = args.sources if args.sources and args.sources.is_dir() else None
    preview = Preview(manifest=args.manifest.resolve(), out_dir=out_dir.resolve(),
                      root=args.out.resolve(), data_dir=args.data.resolve(),
                      sources_dir=sources.resolve() if sources else None,
                      overrides={"as_of": as_of} if as_of else {}, jobs=args.jobs)
    return run_preview(preview, args.port)


def _edition_runs(args: argparse.Namespace, overrides: dict) -> list[tuple[Path, str | None]]:
    """Which folders to build, each with the as-of date its edition sets (None: the default)."""
    if args.edition is None and not args.all_editions:
        return [(args.out, None)]
    from briefbook.build import edition_folder
    from briefbook.editions import read_edition_dates

    if "as_of" in overrides:
        raise ParameterError("as_of", overrides["as_of"],
                             "an edition sets its own as-of date: drop -p as_of or --edition")
    dates = read_edition_dates(args.data)
    if args.all_editions:
        return [(edition_folder(args.out, n), d) for n, d in dates.items()] + [(args.out, None)]
    if args.edition not in dates:
        listed = ", ".join(map(str, dates)) or "none"
        raise ParameterError("--edition", args.edition,
                             f"it must be an edition in data/editions.csv (editions: {listed})")
    return [(edition_folder(args.out, args.edition), dates[args.edition])]
