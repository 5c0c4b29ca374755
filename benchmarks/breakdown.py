"""Where the time of a brief build goes: imports, validation, kernel start, execution, rendering.

Usage::

    python benchmarks/breakdown.py [--big DIR] [--notebook caatsa_f35] [--repeat 3]

Prints one line per step, each the median of ``--repeat`` runs. Import times are measured in fresh
interpreters (what each CLI call and each kernel pays); the rest in this process, in the order a
build does the work. ``--big`` adds the validation and EDTF lines for a big package made by
``benchmarks/make_big_data.py``.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
IMPORTS = {
    "interpreter start-up (python -c pass)": "",
    "import rfc3987_syntax (via jsonschema, nbformat)": "import rfc3987_syntax",
    "import nbformat": "import nbformat",
    "import briefbook.build (every `briefbook build`, warm too)": "import briefbook.build",
    "import briefbook (first cell of every notebook)": "import briefbook",
}
DATE_COLUMNS = {"events.csv": "date", "deliveries.csv": "date", "contracts.csv": "order_date"}


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """Median wall time of ``action`` over ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def import_seconds(statement: str, repeat: int) -> float:
    """Wall time of a fresh interpreter that runs ``statement`` (nothing but start-up if empty)."""
    cmd = [sys.executable, "-c", statement or "pass"]
    return median_seconds(lambda: subprocess.run(cmd, check=True, cwd=ROOT), repeat)


def validation_lines(data: Path, label: str, repeat: int) -> list[tuple[str, float]]:
    """validate_package with and without provenance, and the EDTF parsing inside it."""
    from briefbook import dates
    from briefbook.validate import validate_package

    texts = []
    for name, column in DATE_COLUMNS.items():
        with (data / name).open(encoding="utf-8") as handle:
            texts += [row[column] for row in csv.DictReader(handle) if row[column]]
    sources = SEEDS if SEEDS.is_dir() else None
    return [
        (f"validate {label} (schema + rules)", median_seconds(lambda: validate_package(data),
                                                               repeat)),
        (f"validate {label} with --sources", median_seconds(
            lambda: validate_package(data, sources), repeat)),
        (f"  of which EDTF parsing, once per row ({len(texts)} dates)",
         median_seconds(lambda: [dates.parse(t) for t in texts], 1)),
        (f"  EDTF parsing if each distinct date were parsed once ({len(set(texts))})",
         median_seconds(lambda: [dates.parse(t) for t in set(texts)], repeat)),
    ]


def kernel_lines(notebook: Path, repeat: int) -> list[tuple[str, float]]:
    """Kernel start, the first cell's imports, the notebook run, and rendering it."""
    import papermill
    from jupyter_client.manager import start_new_kernel

    from briefbook.load import VALIDATED_ENV, fingerprint
    from briefbook.render import Renderer

    os.environ[VALIDATED_ENV] = fingerprint(ROOT / "data")  # as the build does for its kernels

    def start_stop() -> None:
        manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    import_times: list[float] = []

    def first_import() -> None:
        manager, client = start_new_kernel(kernel_name="python3", stderr=subprocess.DEVNULL)
        started = time.perf_counter()
        client.execute_interactive("import briefbook", timeout=120)
        import_times.append(time.perf_counter() - started)
        client.stop_channels()
        manager.shutdown_kernel(now=True)

    for _ in range(repeat):
        first_import()
    executed = []

    def execute() -> None:
        with tempfile.TemporaryDirectory(prefix="breakdown-") as out:
            executed.append(papermill.execute_notebook(
                str(notebook), os.path.join(out, "nb.ipynb"), kernel_name="python3",
                cwd=str(notebook.parent), progress_bar=False))

    lines = [
        ("kernel start + shutdown (no code run)", median_seconds(start_stop, repeat)),
        ("`import briefbook` in a fresh kernel", statistics.median(import_times)),
        (f"papermill run of {notebook.name} (in-process, kernel included)",
         median_seconds(execute, repeat)),
    ]
    cells = [c.metadata.get("papermill", {}).get("duration") or 0 for c in executed[-1].cells]
    lines.append(("  of which cells' own run time (papermill metadata)", sum(cells)))
    lines.append(("  of which the slowest cell (the imports and open_brief)", max(cells)))
    renderer = Renderer()
    lines.append(("render to HTML, first brief in a worker", median_seconds(
        lambda: Renderer().render(executed[-1]), 1)))
    lines.append(("render to HTML, next briefs (exporter reused)", median_seconds(
        lambda: renderer.render(executed[-1]), repeat)))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big", type=Path, help="a big data package to validate as well")
    parser.add_argument("--notebook", default="caatsa_f35", help="notebook stem to run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step (median)")
    args = parser.parse_args(argv)

    lines = [(label, import_seconds(code, args.repeat)) for label, code in IMPORTS.items()]
    lines += validation_lines(ROOT / "data", "data/", args.repeat)
    if args.big:
        lines += validation_lines(args.big, "big data", 1)
    lines += kernel_lines(ROOT / "notebooks" / f"{args.notebook}.ipynb", args.repeat)
    width = max(len(label) for label, _ in lines)
    for label, seconds in lines:
        print(f"{label:<{width}}  {seconds:7.2f} s")
    print(f"os.cpu_count() = {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
