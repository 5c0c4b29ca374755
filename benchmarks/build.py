"""Build-speed benchmark: ``briefbook build`` against the naive papermill + nbconvert CLIs.

Usage::

    python benchmarks/build.py [--rounds 3] [--quick] [--factor 100] [--keep]

Everything runs in ONE invocation, on one snapshot of the project, in a temporary folder: the
package (``briefbook/``, put first on ``PYTHONPATH`` so the CLIs and their kernels import this
snapshot even while the working tree is being edited), ``notebooks/``, ``manifest.json`` and
``data/``. Each round runs every scenario once, interleaved, so a busy machine slows all of them
alike; the table shows the median of the rounds.

Scenarios:

naive         for each brief of the manifest, ``papermill`` (its parameters as ``-p``) then
              ``jupyter nbconvert --to html --no-input``, one after the other;
cold          ``briefbook build --force`` into an empty folder;
warm          ``briefbook build`` again, nothing changed (must start no kernel);
incremental   one notebook's markdown edited in a copy of the project, then ``briefbook build``
              (must rebuild only the briefs made from that notebook);
single        ``briefbook build --force --only`` those briefs: what the incremental build
              should cost;
big cold      ``briefbook build --force --data BIG`` on a package ``--factor`` times larger
              (benchmarks/make_big_data.py); every brief must stay small and paginate long
              tables.

Measured per command: wall time (``time.perf_counter``); CPU time and the largest single
process's peak RSS from ``/usr/bin/time -f "%e %U %S %M"`` (from ``getrusage`` when there is no
``/usr/bin/time``); the peak RSS summed over the whole process tree and the kernels it started,
by polling the tree with psutil. Sizes are in MB of 10^6 bytes.

Exits 0 when every command ran, whether or not the targets are met (this is a report), and 1
when a command fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SEEDS = ROOT.parent / "shared" / "seeds"
GNU_TIME = Path("/usr/bin/time")
MB = 1e6
POLL_SECONDS = 0.1
EDIT_NOTEBOOK = "caatsa_f35"  # edited for the incremental scenario (one brief is made from it)
MORE_ROWS_NOTE = "more rows, not shown"  # the note briefbook.tables adds under a cut table
CUT_NOTE = re.compile(r"more \w+, not shown \(first (\d+) of \d+\)")
BRIEF_TARGET = 2.0 * MB  # every brief, plotly.js included, at most this size
STATE_LINE = re.compile(r"^briefbook: (\w+): (cached|done|failed)\b", re.MULTILINE)
SCENARIOS = ("naive", "cold", "warm", "incremental", "single", "big cold")


class CommandFailed(RuntimeError):
    """A benchmarked command exited non-zero: the benchmark cannot go on."""


@dataclass
class Measure:
    """What one scenario cost in one round (summed or maxed over its commands)."""

    wall: float = 0.0
    cpu: float = 0.0
    max_rss: float = 0.0  # bytes, largest single process
    tree_rss: float = 0.0  # bytes, whole process tree at its peak
    kernels: int = 0
    largest_brief: int = 0  # bytes
    sizes: dict[str, int] = field(default_factory=dict)  # bytes, per brief
    output: str = ""

    def add(self, other: Measure) -> None:
        """Fold in a command run after this one (times add up, peaks take the maximum)."""
        self.wall += other.wall
        self.cpu += other.cpu
        self.max_rss = max(self.max_rss, other.max_rss)
        self.tree_rss = max(self.tree_rss, other.tree_rss)
        self.kernels += other.kernels
        self.output += other.output


@dataclass
class Check:
    """A target or a correctness check, with what was measured."""

    name: str
    ok: bool
    detail: str


@dataclass
class Project:
    """The snapshot the benchmark works on, and the environment its commands run in."""

    work: Path  # package + notebooks + manifest + data
    big_data: Path
    tmp: Path
    env: dict[str, str]
    briefs: list[dict] = field(default_factory=list)


# --- running and measuring one command --------------------------------------------------------


class TreeMonitor(threading.Thread):
    """Polls a process tree: peak RSS summed over its processes, and the kernels it starts."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.peak = 0
        self.kernels: set[int] = set()
        self._checked: set[int] = set()
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(POLL_SECONDS)

    def finish(self) -> None:
        self._done.set()
        self.join()

    def _sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0
        for process in processes:
            try:
                total += process.memory_info().rss
                if process.pid not in self._checked:
                    self._checked.add(process.pid)
                    if "ipykernel_launcher" in " ".join(process.cmdline()):
                        self.kernels.add(process.pid)
            except psutil.Error:
                continue
        self.peak = max(self.peak, total)


def log(text: str) -> None:
    """Progress for the person waiting (stderr, so stdout holds only the report)."""
    print(text, file=sys.stderr, flush=True)


def run(cmd: list[str], project: Project) -> Measure:
    """Run one command in the snapshot, measured; raise :class:`CommandFailed` on failure."""
    fd, name = tempfile.mkstemp(prefix="time-", dir=project.tmp)
    os.close(fd)
    stats = Path(name)
    use_time = GNU_TIME.is_file()
    if use_time:
        cmd = [str(GNU_TIME), "-o", str(stats), "-f", "%e %U %S %M", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=project.work, env=project.env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    monitor = TreeMonitor(process.pid)
    monitor.start()
    output, _ = process.communicate()
    wall = time.perf_counter() - started
    monitor.finish()
    if process.returncode != 0:
        tail = "\n".join(output.strip().splitlines()[-15:])
        raise CommandFailed(f"exit {process.returncode}: {' '.join(cmd)}\n{tail}")
    if use_time:
        _, user, system, max_kb = stats.read_text().split()[-4:]
        cpu, max_rss = float(user) + float(system), int(max_kb) * 1024
    else:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        max_rss = after.ru_maxrss * 1024
    return Measure(wall, cpu, max_rss, monitor.peak, len(monitor.kernels), largest_brief=0,
                   output=output)


def build_cmd(project: Project, out: Path, *extra: str, data: Path | None = None,
              manifest: Path | None = None) -> list[str]:
    """The ``python -m briefbook build`` command line for the snapshot."""
    cmd = [sys.executable, "-m", "briefbook", "build", "--out", str(out),
           "--manifest", str(manifest or project.work / "manifest.json"),
           "--data", str(data or project.work / "data")]
    if SEEDS.is_dir():
        cmd += ["--sources", str(SEEDS)]
    return cmd + list(extra)


def states(output: str) -> dict[str, str]:
    """Each brief's final state in a build's output: cached, done or failed."""
    return dict(STATE_LINE.findall(output))


def html_sizes(folder: Path) -> dict[str, int]:
    """Size in bytes of each brief in a folder, by name (the index is not a brief)."""
    return {p.stem: p.stat().st_size for p in sorted(folder.glob("*.html"))
            if p.name != "index.html"}


def largest_html(folder: Path) -> int:
    """Size in bytes of the largest brief in a folder."""
    return max(html_sizes(folder).values(), default=0)


# --- setting up the snapshot ------------------------------------------------------------------


def make_project(tmp: Path, factor: int) -> Project:
    """Copy the package, notebooks, manifest and data; generate the big data package."""
    work = tmp / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("briefbook", "notebooks", "data"):
        shutil.copytree(ROOT / name, work / name, ignore=ignore)
    shutil.copy2(ROOT / "manifest.json", work / "manifest.json")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BRIEFBOOK_")}
    env["BRIEFBOOK_VENDOR"] = str(ROOT / "vendor")  # the snapshot embeds the same plotly.js
    env["PYTHONPATH"] = os.pathsep.join([str(work), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning on every kernel start
    project = Project(work, tmp / "big-data", tmp, env)
    project.briefs = json.loads((work / "manifest.json").read_text(encoding="utf-8"))["briefs"]
    _check_snapshot_imported(project)
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from make_big_data import make_big_data

    make_big_data(work / "data", project.big_data, factor)
    return project


def _check_snapshot_imported(project: Project) -> None:
    """Make sure the commands import the snapshot, not the working tree's package."""
    found = subprocess.run(
        [sys.executable, "-c", "import briefbook; print(briefbook.__file__)"],
        env=project.env, cwd=project.tmp, capture_output=True, text=True, check=True,
    ).stdout.strip()
    if not Path(found).resolve().is_relative_to(project.work.resolve()):
        raise CommandFailed(f"the snapshot is not imported first (briefbook from {found})")


def copy_for_edit(project: Project, dest: Path) -> Path:
    """A copy of notebooks/, manifest.json and data/ to edit; returns its manifest."""
    for name in ("notebooks", "data"):
        shutil.copytree(project.work / name, dest / name)
    shutil.copy2(project.work / "manifest.json", dest / "manifest.json")
    return dest / "manifest.json"


def edit_markdown(notebook: Path, round_no: int) -> None:
    """Change the first markdown cell of a notebook (a reader-visible, code-free edit)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in nb["cells"] if c["cell_type"] == "markdown")
    source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
    cell["source"] = source.rstrip("\n") + f"\n\n(Benchmark edit, round {round_no}.)"
    notebook.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- the scenarios ----------------------------------------------------------------------------


def naive(project: Project, out: Path) -> Measure:
    """papermill CLI then nbconvert CLI for every brief, one after another."""
    out.mkdir(parents=True)
    total = Measure()
    for brief in project.briefs:
        notebook = project.work / brief["notebook"]
        executed = out / f"{brief['name']}.ipynb"
        params = [arg for k, v in brief.get("parameters", {}).items() for arg in ("-p", k, str(v))]
        total.add(run([str(BIN / "papermill"), str(notebook), str(executed), *params,
                       "--cwd", str(notebook.parent), "--no-progress-bar"], project))
        total.add(run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input",
                       str(executed), "--output-dir", str(out)], project))
    total.largest_brief = largest_html(out)
    return total


def built(project: Project, cmd: list[str], out: Path) -> Measure:
    """One measured build, with the size of the largest brief it left."""
    measure = run(cmd, project)
    measure.sizes = html_sizes(out)
    measure.largest_brief = max(measure.sizes.values(), default=0)
    return measure


@dataclass
class Round:
    """The measures of every scenario in one round, and what was checked along the way."""

    measures: dict[str, Measure]
    checks: list[Check]


def one_round(project: Project, n: int, edit_manifest: Path) -> Round:
    """Run every scenario once, in order, checking each build did what it should."""
    out = project.tmp / f"round-{n}"
    m: dict[str, Measure] = {}
    checks: list[Check] = []
    names = [b["name"] for b in project.briefs]
    edit_names = [b["name"] for b in project.briefs if Path(b["notebook"]).stem == EDIT_NOTEBOOK]

    m["naive"] = naive(project, out / "naive")
    m["cold"] = built(project, build_cmd(project, out / "briefs", "--force"), out / "briefs")
    checks.append(_all_in_state(m["cold"], names, "done", "cold build builds every brief"))
    m["warm"] = built(project, build_cmd(project, out / "briefs"), out / "briefs")
    checks.append(_all_in_state(m["warm"], names, "cached", "warm build: every brief cached"))
    checks.append(Check("warm build starts no kernel", m["warm"].kernels == 0,
                        f"{m['warm'].kernels} kernel(s) seen"))

    edit_out = project.tmp / "edit-briefs"
    edit_markdown(edit_manifest.parent / "notebooks" / f"{EDIT_NOTEBOOK}.ipynb", n)
    m["incremental"] = built(project, build_cmd(project, edit_out, manifest=edit_manifest,
                                                data=edit_manifest.parent / "data"), edit_out)
    rebuilt = sorted(k for k, v in states(m["incremental"].output).items() if v == "done")
    checks.append(Check(f"incremental rebuilds only {', '.join(edit_names)}",
                        rebuilt == sorted(edit_names), f"rebuilt: {', '.join(rebuilt) or 'none'}"))
    m["single"] = built(project, build_cmd(project, edit_out, "--force", "--only", *edit_names,
                                           manifest=edit_manifest,
                                           data=edit_manifest.parent / "data"), edit_out)

    big_out = out / "big-briefs"
    m["big cold"] = built(project, build_cmd(project, big_out, "--force",
                                             data=project.big_data), big_out)
    checks.append(_all_in_state(m["big cold"], names, "done", "big cold builds every brief"))
    checks += check_big_briefs(project, big_out)
    return Round(m, checks)


def _all_in_state(measure: Measure, names: list[str], state: str, label: str) -> Check:
    found = states(measure.output)
    wrong = [f"{n}: {found.get(n, 'missing')}" for n in names if found.get(n) != state]
    return Check(label, not wrong, "; ".join(wrong) or f"all {len(names)} {state}")


def check_big_briefs(project: Project, out: Path) -> list[Check]:
    """On the big data every brief must paginate: it has the note, and no table or judgment
    list shows more rows than the note says were kept."""
    problems, longest = [], 0
    for brief in project.briefs:
        html = (out / f"{brief['name']}.html").read_text(encoding="utf-8")
        kept = [int(n) for n in CUT_NOTE.findall(html)]
        # The ACH matrix is the book's analytic frame (copied as it is, never cut): not counted.
        tables = [t.count("<tr") - 1 for t in re.findall(r"<table\b.*?</table>", html, re.S)
                  if "bb-ach-matrix" not in t[:200]]
        shown = max([*tables, html.count('class="bb-judgment"')])
        longest = max(longest, shown)
        if MORE_ROWS_NOTE not in html or shown > min(kept, default=0):
            problems.append(f"{brief['name']}: a list shows {shown} rows; notes keep {kept}")
    detail = "; ".join(problems) or (f"every brief has the note; the longest list shows "
                                     f"{longest} rows")
    return [Check("big data: long tables are paginated", not problems, detail)]


# --- the report -------------------------------------------------------------------------------


def median(rounds: list[Round], scenario: str, attr: str) -> float:
    return statistics.median(getattr(r.measures[scenario], attr) for r in rounds)


def peak(rounds: list[Round], scenario: str, attr: str) -> float:
    return max(getattr(r.measures[scenario], attr) for r in rounds)


def table(rounds: list[Round]) -> str:
    """The results, one line per scenario."""
    naive_wall = median(rounds, "naive", "wall")
    head = (f"{'scenario':<13} {'median wall s':>13} {'ratio to naive':>14} {'CPU s':>7} "
            f"{'peak RSS MB':>11} {'tree RSS MB':>11} {'largest brief MB':>16}")
    lines = [head, "-" * len(head)]
    for s in SCENARIOS:
        wall = median(rounds, s, "wall")
        lines.append(
            f"{s:<13} {wall:>13.2f} {wall / naive_wall:>14.3f} {median(rounds, s, 'cpu'):>7.1f} "
            f"{peak(rounds, s, 'max_rss') / MB:>11.0f} {peak(rounds, s, 'tree_rss') / MB:>11.0f} "
            f"{peak(rounds, s, 'largest_brief') / MB:>16.2f}"
        )
    return "\n".join(lines)


def targets(rounds: list[Round]) -> list[Check]:
    """The targets the build must meet, from the medians."""
    wall = {s: median(rounds, s, "wall") for s in SCENARIOS}
    largest = max(peak(rounds, s, "largest_brief") for s in ("cold", "big cold"))

    def ratio(name: str, a: str, b: str, most: float) -> Check:
        r = wall[a] / wall[b]
        return Check(name, r <= most, f"{wall[a]:.2f} s / {wall[b]:.2f} s = {r:.3f} "
                                      f"(target <= {most})")

    return [
        ratio("cold <= 0.25 x naive", "cold", "naive", 0.25),
        ratio("warm <= 0.03 x naive", "warm", "naive", 0.03),
        ratio("incremental within 1.5 x single-brief build", "incremental", "single", 1.5),
        ratio("big cold <= 2 x cold", "big cold", "cold", 2.0),
        Check(f"every brief <= {BRIEF_TARGET / MB:.1f} MB", largest <= BRIEF_TARGET,
              f"largest {largest / MB:.2f} MB (embedded plotly.js "
              f"{plotly_js_bytes() / MB:.2f} MB)"),
    ]


def plotly_js_bytes() -> int:
    """The plotly.js bundle every brief with a figure embeds (vendored by briefbook.assets)."""
    from briefbook.render import plotly_js

    return len(plotly_js().encode("utf-8"))


def sizes(rounds: list[Round]) -> list[str]:
    """Each brief's size after the cold build and on the big data, against the target."""
    last = rounds[-1].measures
    lines = [f"Brief sizes (target <= {BRIEF_TARGET / MB:.1f} MB; MB of 10^6 bytes):",
             f"  {'brief':<30} {'cold':>7} {'big cold':>9}"]
    for name, size in last["cold"].sizes.items():
        big = last["big cold"].sizes.get(name, 0)
        mark = "PASS" if max(size, big) <= BRIEF_TARGET else "FAIL"
        lines.append(f"  {name:<30} {size / MB:>7.2f} {big / MB:>9.2f}  {mark}")
    return lines


def merged_checks(rounds: list[Round]) -> list[Check]:
    """Each check once: passed if it passed in every round, else the first failure's detail."""
    merged: dict[str, Check] = {}
    for check in (c for r in rounds for c in r.checks):
        if check.name not in merged or (merged[check.name].ok and not check.ok):
            merged[check.name] = check
    return list(merged.values())


def report(rounds: list[Round], loads: tuple[tuple[float, ...], tuple[float, ...]]) -> str:
    """The table, the targets and the checks, as printed."""
    checks = merged_checks(rounds)
    lines = [table(rounds), "", "Targets:"]
    lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}"
              for c in targets(rounds)]
    lines += ["", *sizes(rounds)]
    lines += ["", "Checks:"]
    lines += [f"  {'PASS' if c.ok else 'FAIL'}  {c.name}: {c.detail}" for c in checks]
    lines += ["", f"os.cpu_count() = {os.cpu_count()}; rounds = {len(rounds)}; load average "
                  f"before {_load(loads[0])}, after {_load(loads[1])}"]
    return "\n".join(lines)


def _load(values: tuple[float, ...]) -> str:
    return "/".join(f"{v:.1f}" for v in values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (median)")
    parser.add_argument("--quick", action="store_true", help="one round, for a smoke test")
    parser.add_argument("--factor", type=int, default=100, help="size of the big data package")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    rounds_wanted = 1 if args.quick else max(1, args.rounds)

    tmp = Path(tempfile.mkdtemp(prefix="briefbook-bench-"))
    try:
        project = make_project(tmp, args.factor)
        edit_manifest = copy_for_edit(project, tmp / "edit")
        run(build_cmd(project, tmp / "edit-briefs", manifest=edit_manifest,
                      data=edit_manifest.parent / "data"), project)  # prime the edit copy
        load_before = os.getloadavg()
        rounds = []
        for n in range(1, rounds_wanted + 1):
            log(f"benchmark: round {n} of {rounds_wanted} ...")
            rounds.append(one_round(project, n, edit_manifest))
        print(report(rounds, (load_before, os.getloadavg())))
        return 0
    except CommandFailed as exc:
        print(f"benchmark: a command failed: {exc}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            log(f"benchmark: kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
