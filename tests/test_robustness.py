"""Robustness, tested as it happens: bad data, bad parameters, failing notebooks, killed builds.

Every test drives ``python -m briefbook build`` in a subprocess, with real kernels, real files
and real signals, mostly against a copy of an already built briefs folder, and checks what a
reader is left with: the previous briefs byte-identical or complete new ones, never a torn file,
a stray temporary file or an orphaned kernel.

Processes are recognised by an environment variable each test gives its build (kernels and
workers inherit it), so kernels of other builds running on the same machine do not count.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import psutil
import pytest

from tests.conftest import PROJECT, run_cli

pytestmark = pytest.mark.slow

DATA = PROJECT / "data"
SEEDS = PROJECT.parent / "shared" / "seeds"
NOTEBOOKS = PROJECT / "notebooks"
NAMES = [b["name"] for b in json.loads((PROJECT / "manifest.json").read_text())["briefs"]]
THREADS = ["overview", "caatsa_f35", "steel_dome", "india_s400_timeline"]
TAG = "BRIEFBOOK_TEST_BUILD"  # environment variable marking the processes of one test's build
OLD_MARK = b"<!-- brief from the previous build -->\n"
HANG_TIMEOUT = 30  # --timeout for the hanging cell; the first cell imports pandas and plotly
GONE_WITHIN = 15  # seconds an orphan may take to notice its parent has gone


# --- helpers -------------------------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder`` (the lock file holds the last builder's pid)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".build.lock"
    }


def copy_previous(built: Path, dest: Path) -> Path:
    """A copy of a built briefs folder whose briefs are marked, so a rebuilt one is told apart."""
    shutil.copytree(built, dest)
    for name in NAMES:
        page = dest / f"{name}.html"
        page.write_bytes(OLD_MARK + page.read_bytes())
    return dest


def is_complete_brief(page: bytes) -> bool:
    """A whole brief from this build: not the marked old one, ends its document, has sources."""
    return (not page.startswith(OLD_MARK) and page.endswith(b"</html>\n")
            and b'id="src-s000"' in page and page.count(b"<html") == 1)


def tagged(tag: str) -> list[str]:
    """The processes (build, workers, kernels) started for the build marked with ``tag``."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        try:
            if proc.info["status"] != psutil.STATUS_ZOMBIE and proc.environ().get(TAG) == tag:
                found.append(f"{proc.pid}: {' '.join(proc.info['cmdline'] or [])[:120]}")
        except psutil.Error:  # gone, or not ours to read
            continue
    return found


def left_after(tag: str, seconds: float = GONE_WITHIN) -> list[str]:
    """Processes of the tagged build still alive after waiting up to ``seconds`` for them."""
    deadline = time.monotonic() + seconds
    while (alive := tagged(tag)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return alive


class Build:
    """``python -m briefbook build`` running in the background, its stderr read line by line."""

    def __init__(self, *args: str) -> None:
        self.tag = uuid.uuid4().hex
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "briefbook", "build", *args], cwd=PROJECT, text=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env={**os.environ, TAG: self.tag},
            start_new_session=True,  # its own process group, as a shell gives a command
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, f"build ended before {text!r}:\n{self.stderr}"
            assert time.monotonic() < deadline, f"no {text!r} after {timeout} s:\n{self.stderr}"
            time.sleep(0.1)

    def finish(self, timeout: float = 600) -> int:
        code = self.proc.wait(timeout)
        self._reader.join(GONE_WITHIN)  # workers still holding stderr would keep it open
        return code

    @property
    def stderr(self) -> str:
        return "".join(self.lines)


def run_all(commands: list[list[str]]) -> list[subprocess.CompletedProcess[str]]:
    """Run several ``python -m briefbook`` commands at once (each on its own folders)."""
    procs = [subprocess.Popen([sys.executable, "-m", "briefbook", *args], cwd=PROJECT, text=True,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for args in commands]
    done = []
    for args, proc in zip(commands, procs, strict=True):
        out, err = proc.communicate(timeout=600)
        done.append(subprocess.CompletedProcess(args, proc.returncode, out, err))
    return done


def read_table(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def write_table(path: Path, table: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(table)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def set_cell(data: Path, file: str, key: str, column: str, value: str) -> None:
    """Set one cell of the row whose first column is ``key``."""
    table = read_table(data / file)
    index = table[0].index(column)
    for row in table[1:]:
        if row[0] == key:
            row[index] = value
    write_table(data / file, table)


def line_of(path: Path, key: str) -> int:
    """The line (1-based, header = 1) on which the row with first column ``key`` starts."""
    lines = path.read_bytes().split(b"\n")
    return next(i for i, line in enumerate(lines, 1) if line.startswith(key.encode() + b","))


def fixture_notebook(folder: Path, thread: str, bad_code: str) -> int:
    """Copy a thread's notebook into ``folder`` with one bad cell appended.

    The copy keeps the thread's name (the manifest checks parameters by notebook stem). Returns
    the number the build should give the bad cell: its execution count, i.e. the number of
    non-empty code cells up to it (no parameters are injected: the manifest gives none).
    """
    nb = nbformat.read(NOTEBOOKS / f"{thread}.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(bad_code))
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{thread}.ipynb")
    return sum(1 for c in nb.cells if c.cell_type == "code" and c.source.strip())


# --- bad data: refused before any kernel starts ---------------------------------------------

def _swap_bytes(file: str, text: str, broken: bytes) -> Callable[[Path], None]:
    def breaker(data: Path) -> None:
        raw = (data / file).read_bytes()
        (data / file).write_bytes(raw.replace(text.encode(), broken, 1))
    return breaker


@dataclass(frozen=True)
class Breakage:
    """One way to break a copy of ``data/`` and the message (with its row key) it must give."""

    name: str
    breaks: Callable[[Path], None]
    file: str
    key: str | None  # first column of the row the message must point at (None: whole file)
    message: str  # what follows ``file:line: `` in the validator's message

    def expected(self, data: Path) -> str:
        if self.key is None:
            return f"{self.file}: {self.message}"
        line = 1 if self.key == "HEADER" else line_of(data / self.file, self.key)
        return f"{self.file}:{line}: {self.message}"


BREAKAGES = [
    Breakage("invalid EDTF date",
             lambda d: set_cell(d, "events.csv", "E02", "date", "2017-13-45"),
             "events.csv", "E02", "date: '2017-13-45' is not a valid EDTF date"),
    Breakage("unknown enum value",
             lambda d: set_cell(d, "claims.csv", "C01", "polarity", "rumoured"),
             "claims.csv", "C01", "polarity: 'rumoured' is not one of the allowed values"),
    Breakage("broken foreign key",
             lambda d: set_cell(d, "claims.csv", "C01", "source_id", "s999"),
             "claims.csv", "C01", "source_id: 's999' is not found in sources.csv"),
    Breakage("evidence not in its paragraph",
             lambda d: set_cell(d, "claims.csv", "C01", "evidence", "words not in the text"),
             "claims.csv", "C01", "evidence: 'words not in the text' is not found verbatim"),
    Breakage("source sha256 mismatch",
             lambda d: set_cell(d, "sources.csv", "s002", "sha256", "0" * 64),
             "sources.csv", "s002", f"sha256: '{'0' * 64}' does not match 002_"),
    Breakage("missing CSV",
             lambda d: (d / "indicators.csv").unlink(),
             "indicators.csv", None, "is missing"),
    Breakage("missing column",
             lambda d: write_table(d / "claims.csv",
                                   [row[:11] + row[12:] for row in read_table(d / "claims.csv")]),
             "claims.csv", "HEADER", "credibility: header"),
    Breakage("bytes that are not UTF-8",
             _swap_bytes("actors.csv", "Yaşar Güler", b"Yasar G\xfcler"),  # saved as Latin-1
             "actors.csv", "guler", "'0xfc' is not UTF-8"),
    Breakage("deliveries above the order",
             lambda d: set_cell(d, "deliveries.csv", "D03", "quantity", "5"),
             "deliveries.csv", "D03", "quantity: '5' brings deliveries under K02 to 8, more than "
                                      "the 5 ordered"),
    Breakage("judgment without evidence",
             lambda d: write_table(d / "judgment_evidence.csv",
                                   [r for r in read_table(d / "judgment_evidence.csv")
                                    if r[0] != "J02"]),
             "judgments.csv", "J02", "judgment_id: 'J02' has no evidence"),
]


@dataclass
class Refused:
    """A build that should have been refused: what it printed, and its briefs folder before."""

    done: subprocess.CompletedProcess[str]
    out: Path
    before: dict[str, str]
    data: Path


def refuse_all(builds: dict[str, tuple[Path, Path, list[str]]]) -> dict[str, Refused]:
    """Run ``build --force --out OUT --data DATA ARGS`` for each entry at once; keep results."""
    befores = {name: snapshot(out) for name, (out, _, _) in builds.items()}
    commands = [["build", "--force", "--out", str(out), "--data", str(data), *args]
                for out, data, args in builds.values()]
    results = run_all(commands)
    return {name: Refused(done, out, befores[name], data)
            for (name, (out, data, _)), done in zip(builds.items(), results, strict=True)}


@pytest.fixture(scope="module")
def bad_data_builds(built_briefs: Path, tmp_path_factory) -> dict[str, Refused]:
    """One forced build per breakage, all at once, each on its own copy of data and briefs."""
    builds = {}
    for breakage in BREAKAGES:
        root = tmp_path_factory.mktemp("bad-data")
        shutil.copytree(DATA, root / "data")
        breakage.breaks(root / "data")
        builds[breakage.name] = (copy_previous(built_briefs, root / "briefs"), root / "data", [])
    return refuse_all(builds)


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.name for b in BREAKAGES])
def test_bad_data_stops_the_build_before_any_notebook_runs(bad_data_builds, breakage) -> None:
    run = bad_data_builds[breakage.name]
    assert run.done.returncode == 1, run.done.stderr
    assert breakage.expected(run.data) in run.done.stderr
    assert "running" not in run.done.stderr  # no brief was started, so no kernel either
    assert "Traceback" not in run.done.stderr
    assert snapshot(run.out) == run.before  # briefs, executed notebooks, cache, index untouched


# --- bad parameters: one line naming brief, parameter and value -----------------------------

BAD_PARAMETERS = [
    # (id, manifest parameters per brief or None for the real manifest, CLI args, message)
    ("unknown on the command line", None, ["-p", "colour=red"],
     "Brief 'overview': parameter 'colour' was given 'red', but this brief takes only"),
    ("not a boolean word", None, ["-p", "include_unverified=maybe"],
     "Brief 'overview': parameter 'include_unverified' was given 'maybe', but it must be true "
     "or false."),
    ("thread value not allowed", None,
     ["--only", "india_s400_timeline", "-p", "scenario=invasion"],
     "Brief 'india_s400_timeline': parameter 'scenario' was given 'invasion', but it must be "
     "one of 'baseline', 'buyback'."),
    ("malformed date on the command line", None, ["-p", "as_of=2025-13-45"],
     "Brief 'overview': parameter 'as_of' was given '2025-13-45', but it must be an ISO date"),
    ("number for a grade in the manifest", {"caatsa_f35": {"min_reliability": 3}}, [],
     "Brief 'caatsa_f35': parameter 'min_reliability' was given 3, but it must be one grade "
     "from A to F."),
    ("malformed date in the manifest", {"steel_dome": {"as_of": "31/10/2025"}}, [],
     "Brief 'steel_dome': parameter 'as_of' was given '31/10/2025', but it must be an ISO date"),
    ("unknown in the manifest", {"india_s400_timeline": {"colour": "red"}}, [],
     "Brief 'india_s400_timeline': parameter 'colour' was given 'red', but this brief takes "
     "only as_of, min_reliability, include_unverified, scenario."),
]


def write_manifest(path: Path, parameters: dict[str, dict[str, object]]) -> Path:
    """The real manifest with ``parameters`` merged in and absolute notebook paths."""
    manifest = json.loads((PROJECT / "manifest.json").read_text(encoding="utf-8"))
    for brief in manifest["briefs"]:
        brief["notebook"] = str(PROJECT / brief["notebook"])
        brief["parameters"] = {**brief.get("parameters", {}), **parameters.get(brief["name"], {})}
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def bad_parameter_builds(built_briefs: Path, tmp_path_factory) -> dict[str, Refused]:
    """One forced build per bad parameter, all at once, each on its own copy of the briefs."""
    builds = {}
    for name, manifest_params, args, _ in BAD_PARAMETERS:
        root = tmp_path_factory.mktemp("bad-params")
        manifest = PROJECT / "manifest.json"
        if manifest_params:
            manifest = write_manifest(root / "manifest.json", manifest_params)
        builds[name] = (copy_previous(built_briefs, root / "briefs"), DATA,
                        ["--manifest", str(manifest), *args])
    return refuse_all(builds)


@pytest.mark.parametrize("case", BAD_PARAMETERS, ids=[c[0] for c in BAD_PARAMETERS])
def test_a_bad_parameter_is_refused_in_one_line(bad_parameter_builds, case) -> None:
    run = bad_parameter_builds[case[0]]
    assert run.done.returncode == 1, run.done.stderr
    lines = run.done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"briefbook: {case[3]}"), run.done.stderr
    assert snapshot(run.out) == run.before


# --- notebooks that raise, die or hang ------------------------------------------------------

BAD_CELLS = {  # thread whose notebook gets the bad cell: (what it does, the cell)
    "steel_dome": ("hangs", "import time; time.sleep(600)"),
    "overview": ("raises", 'raise ValueError("deliberate failure in a fixture")'),
    "caatsa_f35": ("dies", "import os; os._exit(1)"),
}
GOOD = "india_s400_timeline"


@dataclass
class FailedBuild:
    code: int
    stderr: str
    out: Path
    before: dict[str, bytes]
    cells: dict[str, int]
    left: list[str]


@pytest.fixture(scope="module")
def failing_notebooks(built_briefs: Path, tmp_path_factory) -> FailedBuild:
    """One build of three broken notebooks and a good one, two at a time, hanging one first."""
    root = tmp_path_factory.mktemp("failing")
    nb = root / "notebooks"
    cells = {t: fixture_notebook(nb, t, code) for t, (_, code) in BAD_CELLS.items()}
    shutil.copy(NOTEBOOKS / f"{GOOD}.ipynb", nb / f"{GOOD}.ipynb")
    briefs = [{"name": t, "notebook": f"notebooks/{t}.ipynb"} for t in [*BAD_CELLS, GOOD]]
    (root / "manifest.json").write_text(json.dumps({"briefs": briefs}), encoding="utf-8")
    out = copy_previous(built_briefs, root / "briefs")
    before = {name: (out / f"{name}.html").read_bytes() for name in NAMES}
    build = Build("--force", "--jobs", "2", "--timeout", str(HANG_TIMEOUT), "--out", str(out),
                  "--manifest", str(root / "manifest.json"))
    code = build.finish()
    return FailedBuild(code, build.stderr, out, before, cells, left_after(build.tag))


def test_a_raising_cell_fails_its_brief_only(failing_notebooks: FailedBuild) -> None:
    run, executed = failing_notebooks, failing_notebooks.out / "executed" / "overview.ipynb"
    assert run.code == 1
    assert (f"- overview: cell {run.cells['overview']}: ValueError: deliberate failure in a "
            f"fixture (executed notebook kept at {executed})") in run.stderr
    assert (run.out / "overview.html").read_bytes() == run.before["overview"]
    assert f"briefbook: {GOOD}: done" in run.stderr
    assert is_complete_brief((run.out / f"{GOOD}.html").read_bytes())
    nb = nbformat.read(executed, as_version=4)  # a whole notebook, showing the error
    error = [o for o in nb.cells[-1].outputs if o.output_type == "error"]
    assert error and error[0].ename == "ValueError"


def test_a_dying_kernel_is_reported_like_a_raising_cell(failing_notebooks: FailedBuild) -> None:
    run, executed = failing_notebooks, failing_notebooks.out / "executed" / "caatsa_f35.ipynb"
    assert (f"- caatsa_f35: cell {run.cells['caatsa_f35']}: the kernel died while running this "
            f"cell (it exited or was killed) (executed notebook kept at {executed})") in run.stderr
    assert (run.out / "caatsa_f35.html").read_bytes() == run.before["caatsa_f35"]
    nb = nbformat.read(executed, as_version=4)
    assert nb.cells[-1].source == BAD_CELLS["caatsa_f35"][1]


def test_a_hanging_cell_is_stopped_by_the_timeout(failing_notebooks: FailedBuild) -> None:
    run = failing_notebooks
    assert (f"- steel_dome: cell {run.cells['steel_dome']}: the cell was still running after "
            f"{HANG_TIMEOUT} seconds (--timeout), so it was stopped") in run.stderr
    assert (run.out / "steel_dome.html").read_bytes() == run.before["steel_dome"]


def test_failing_notebooks_leave_no_kernel_and_no_noise(failing_notebooks: FailedBuild) -> None:
    run = failing_notebooks
    assert run.left == []
    for noise in ("Traceback", "KeyboardInterrupt", "[IPKernelApp]", "Timeout waiting",
                  "Task exception"):
        assert noise not in run.stderr, run.stderr
    assert not list(run.out.rglob("*.tmp"))


# --- killed builds and concurrent builds ----------------------------------------------------


STOPS = {  # how a build gets stopped: (signal, sent to the whole process group?)
    "SIGINT": (signal.SIGINT, False),
    "Ctrl-C": (signal.SIGINT, True),  # a terminal signals the build, its workers, everything
    "SIGTERM": (signal.SIGTERM, False),
    "SIGKILL": (signal.SIGKILL, False),
}


@pytest.mark.parametrize("stop", STOPS)
def test_a_killed_build_leaves_old_or_complete_briefs(built_briefs, tmp_path, stop) -> None:
    signum, whole_group = STOPS[stop]
    out = copy_previous(built_briefs, tmp_path / "briefs")
    before = {name: (out / f"{name}.html").read_bytes() for name in NAMES}
    build = Build("--force", "--jobs", "2", "--out", str(out))
    build.wait_for(": done")
    if whole_group:
        os.killpg(build.proc.pid, signum)
    else:
        build.proc.send_signal(signum)
    code = build.finish(timeout=60)

    if signum == signal.SIGKILL:
        assert code == -signal.SIGKILL
    else:
        assert code == 130
        assert "briefbook: interrupted; finished briefs were kept" in build.stderr
        assert not list(out.rglob("*.tmp"))  # an interrupted build cleans up after itself
    assert "Traceback" not in build.stderr, build.stderr
    new = [n for n in NAMES if (out / f"{n}.html").read_bytes() != before[n]]
    for name in NAMES:
        page = (out / f"{name}.html").read_bytes()
        assert page == before[name] or is_complete_brief(page), name
    assert new, "the brief reported done should have been published"
    for executed in (out / "executed").glob("*.ipynb"):
        nbformat.read(executed, as_version=4)  # whole notebooks only
    assert left_after(build.tag) == []

    after = run_cli("build", "--out", str(out))  # not refused by a lock a dead build held
    assert after.returncode == 0, after.stderr
    assert not list(out.rglob("*.tmp"))


def test_a_second_build_on_the_same_folder_is_refused_at_once(built_briefs, tmp_path) -> None:
    out = copy_previous(built_briefs, tmp_path / "briefs")
    first = Build("--force", "--jobs", "2", "--only", "overview", "caatsa_f35", "--out", str(out))
    first.wait_for(": running")
    started = time.monotonic()
    second = run_cli("build", "--out", str(out), "--only", "overview")
    took = time.monotonic() - started
    assert first.proc.poll() is None, "the first build should still be running"
    assert second.returncode == 1
    assert (f"briefbook: Another build is already writing to {out.resolve()} "
            f"(process {first.proc.pid}); wait for it to finish") in second.stderr
    assert took < 10, f"the second build took {took:.1f} s to give up"
    assert "running" not in second.stderr

    assert first.finish() == 0, first.stderr
    for name in ("overview", "caatsa_f35"):
        assert is_complete_brief((out / f"{name}.html").read_bytes())
    assert not list(out.rglob("*.tmp"))


# --- odd and hostile text in valid data -----------------------------------------------------

LONG = "Çağlar and Güler " + "a very long proposition " * 210  # over 5,000 characters
SCRIPT = '<script>alert("briefbook")</script> & <b>bold</b>'


@pytest.fixture(scope="module")
def odd_data_briefs(tmp_path_factory) -> Path:
    """Overview and Steel Dome built from valid but odd data: a 5,000-character proposition,
    markup typed into a claim, and no events for Steel Dome's timeline (it also shows the
    CAATSA thread's events, where its story starts, so both threads lose theirs)."""
    root = tmp_path_factory.mktemp("odd")
    data = root / "data"
    shutil.copytree(DATA, data)
    set_cell(data, "claims.csv", "C01", "proposition", LONG)
    set_cell(data, "claims.csv", "C04", "proposition", SCRIPT)
    events = read_table(data / "events.csv")
    gone = {row[0] for row in events[1:] if row[1] in ("steel_dome", "caatsa_f35")}
    assert gone
    write_table(data / "events.csv", [row for row in events if row[0] not in gone])
    evidence = read_table(data / "judgment_evidence.csv")
    write_table(data / "judgment_evidence.csv",
                [r for r in evidence if not (r[-2] == "events" and r[-1] in gone)])
    ach = read_table(data / "ach.csv")
    write_table(data / "ach.csv", [r for r in ach if not (r[1] == "events" and r[2] in gone)])
    done = run_cli("build", "--out", str(root / "briefs"), "--data", str(data),
                   "--only", "overview", "steel_dome")
    assert done.returncode == 0, done.stderr
    return root / "briefs"


def test_accented_names_survive_intact(built_briefs: Path, odd_data_briefs: Path) -> None:
    steel = (built_briefs / "steel_dome.html").read_text(encoding="utf-8")
    assert "Cavit Çağlar" in steel and "Yaşar Güler" in steel
    assert "Çağlar and Güler" in (odd_data_briefs / "overview.html").read_text(encoding="utf-8")


def test_a_very_long_text_renders_whole(odd_data_briefs: Path) -> None:
    assert LONG.strip() in (odd_data_briefs / "overview.html").read_text(encoding="utf-8")


def test_markup_typed_into_a_claim_is_escaped(odd_data_briefs: Path) -> None:
    html = (odd_data_briefs / "overview.html").read_text(encoding="utf-8")
    assert '<script>alert("briefbook")' not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(" in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_a_thread_without_events_shows_an_empty_timeline(odd_data_briefs: Path) -> None:
    html = (odd_data_briefs / "steel_dome.html").read_text(encoding="utf-8")
    assert "No dated events pass these parameters." in html
    for section in ("Bottom line", "Timeline", "Claims ledger", "Integration matrix", "Sources"):
        assert f">{section}<" in html
    assert "Traceback" not in html


def test_no_source_passing_gives_empty_states_in_every_brief(tmp_path: Path) -> None:
    done = run_cli("build", "--out", str(tmp_path), "-p", "min_reliability=A", "--only", *THREADS)
    assert done.returncode == 0, done.stderr
    for name in THREADS:
        html = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
        assert "No source passes these parameters" in html, name
        assert "Sources used</th><td>0</td>" in html, name
        assert "No claims pass these parameters." in html, name
        assert "No dated events pass these parameters." in html, name
        assert "Traceback" not in html, name


# --- the source texts change under the data -------------------------------------------------


def test_a_changed_source_text_names_the_file_and_the_rows_to_recheck(built_briefs, tmp_path):
    sources = {row[0]: row[1] for row in read_table(DATA / "sources.csv")[1:]}
    claims = read_table(DATA / "claims.csv")
    header = claims[0]
    claim = next(r for r in claims[1:] if r[header.index("source_id")] == "s004")
    paragraph = int(claim[header.index("paragraph")])
    seeds = tmp_path / "seeds"
    shutil.copytree(SEEDS, seeds)
    text = seeds / sources["s004"]
    lines = text.read_text(encoding="utf-8").split("\n")
    numbered = [i for i, line in enumerate(lines) if line.strip()]
    lines[numbered[paragraph - 1]] = "This paragraph was rewritten after the facts were taken."
    text.write_text("\n".join(lines), encoding="utf-8")
    row = f"claims.csv:{line_of(DATA / 'claims.csv', claim[0])}"

    checked = run_cli("validate", "--sources", str(seeds))
    assert checked.returncode == 1
    assert sources["s004"] in checked.stdout and row in checked.stdout, checked.stdout

    out = copy_previous(built_briefs, tmp_path / "briefs")
    before = snapshot(out)
    refused = run_cli("build", "--force", "--out", str(out), "--sources", str(seeds))
    assert refused.returncode == 1
    assert sources["s004"] in refused.stderr and row in refused.stderr
    assert "running" not in refused.stderr
    assert snapshot(out) == before
