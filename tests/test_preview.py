"""The preview: what its server serves and refuses, and the save → rebuild → reload loop.

The server tests run :class:`briefbook.serve.PreviewServer` in this process on a small folder
(no kernels). The loop tests start ``python -m briefbook preview`` as a user would, on a copy of
the data and of the built briefs, and talk to it over HTTP like the page's script does.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from briefbook.preview import UP_TO_DATE
from briefbook.serve import EVENTS_PATH, Events, PreviewServer, inject_reload
from tests.conftest import PROJECT, run_cli

PAGE = b"<!DOCTYPE html><html><body><p>brief</p></body></html>"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PreviewServer]:
    root = tmp_path / "briefs"
    (root / "editions" / "1").mkdir(parents=True)
    (root / "index.html").write_bytes(PAGE)
    (root / "editions" / "1" / "overview.html").write_bytes(PAGE)
    (root / "data.csv").write_bytes(b"a,b\n1,2\n")
    (root / ".cache").mkdir()
    (root / ".cache" / "overview.json").write_text("{}")
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.html").symlink_to(tmp_path / "secret.txt")
    (root / "linkdir").symlink_to(tmp_path)
    srv = PreviewServer(root, 0, Events())
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop()
    thread.join(timeout=5)


def request(srv: PreviewServer, method: str, path: str) -> tuple[int, bytes, dict[str, str]]:
    """One raw request: the path is sent exactly as given (no client-side normalising)."""
    conn = http.client.HTTPConnection(*srv.server_address[:2], timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())
    finally:
        conn.close()


def test_binds_loopback_only(server: PreviewServer) -> None:
    assert server.server_address[0] == "127.0.0.1"
    port = server.server_address[1]
    listening = [c.laddr for c in psutil.Process().net_connections("inet")
                 if c.status == psutil.CONN_LISTEN and c.laddr.port == port]
    assert listening and all(addr.ip == "127.0.0.1" for addr in listening)


def test_serves_pages_with_the_reload_script_and_other_files_as_they_are(
    server: PreviewServer,
) -> None:
    status, body, headers = request(server, "GET", "/editions/1/overview.html")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert body == inject_reload(PAGE, server.script) and EVENTS_PATH.encode() in body
    assert (server.root / "editions" / "1" / "overview.html").read_bytes() == PAGE  # untouched
    assert request(server, "GET", "/")[1] == body  # the index
    assert request(server, "GET", "/data.csv")[1] == b"a,b\n1,2\n"


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt", "/..%2fsecret.txt",
    "/editions/%2e%2e/%2e%2e/secret.txt", "/%252e%252e/secret.txt",
    "//etc/passwd", "/%2Fetc%2Fpasswd", "/etc/passwd", "/..\\secret.txt", "/%00index.html",
    "/link.html", "/linkdir/secret.txt", "/.cache/overview.json", "/missing.html", "/%ff",
])
def test_refuses_everything_outside_briefs_with_404(server: PreviewServer, path: str) -> None:
    status, body, _ = request(server, "GET", path)
    assert status == 404
    assert b"secret" not in body and b"root:" not in body


def test_head_answers_like_get_without_a_body(server: PreviewServer) -> None:
    status, body, headers = request(server, "HEAD", "/index.html")
    assert status == 200 and body == b""
    assert int(headers["Content-Length"]) == len(request(server, "GET", "/index.html")[1])
    assert request(server, "HEAD", "/%2e%2e/secret.txt")[0] == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE"])
def test_only_get_and_head(server: PreviewServer, method: str) -> None:
    status, _, headers = request(server, method, "/index.html")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_event_stream_tells_a_page_the_current_problems(server: PreviewServer) -> None:
    server.events.problems(["data/claims.csv:3: credibility: '9' must be 1-6"])
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    conn.request("GET", f"{EVENTS_PATH}?page=editions/1/overview.html")
    response = conn.getresponse()
    assert response.getheader("Content-Type") == "text/event-stream"
    events = read_events(response, 1)
    assert events == [("problems", {"lines": ["data/claims.csv:3: credibility: '9' must be 1-6"]})]
    assert server.events.viewed() == ["editions/1/overview.html"]
    server.events.reload(["editions/1/overview.html"])
    assert read_events(response, 1) == [("reload", {"pages": ["editions/1/overview.html"]})]
    conn.close()


def read_events(response: http.client.HTTPResponse, count: int) -> list[tuple[str, object]]:
    """The next ``count`` Server-Sent Events on an open stream (comments skipped)."""
    events: list[tuple[str, object]] = []
    event = None
    while len(events) < count:
        line = response.fp.readline().decode().rstrip("\n")
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event:
            events.append((event, json.loads(line.removeprefix("data: "))))
            event = None
    return events


# --- the loop, as a user runs it -------------------------------------------------------------

STARTUP_TIMEOUT = 300
REBUILD_TIMEOUT = 180
CLAIM = "C25"  # a caatsa_f35 claim the claims ledger shows


@dataclass
class Running:
    proc: subprocess.Popen[bytes]
    log: Path
    port: int
    data: Path
    out: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, timeout: float, after: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output()[after:]:
            assert self.proc.poll() is None, f"the preview exited:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output()}"
            time.sleep(0.2)


def command_line(process: psutil.Process) -> str:
    """A process's command line, or "" once it has exited (a worker that finished its brief may
    be a zombie until its parent reaps it)."""
    try:
        return " ".join(process.cmdline())
    except (psutil.ZombieProcess, psutil.NoSuchProcess, psutil.AccessDenied):
        return ""


def set_claim(data: Path, column: str, value: str) -> None:
    path = data / "claims.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    index = rows[0].index(column)
    next(r for r in rows if r[0] == CLAIM)[index] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture(scope="module")
def preview(built_briefs: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    tmp = tmp_path_factory.mktemp("preview")
    data, out = tmp / "data", tmp / "briefs"
    shutil.copytree(PROJECT / "data", data)
    shutil.copytree(built_briefs, out, ignore=shutil.ignore_patterns(".build.lock"))
    with (tmp / "preview.log").open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "briefbook", "preview", "--port", "0", "--data", str(data),
             "--out", str(out)], cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    running = Running(proc, tmp / "preview.log", 0, data, out)
    try:
        running.wait_for("Serving the briefs at http://127.0.0.1:", STARTUP_TIMEOUT)
        line = next(x for x in running.output().splitlines() if "Serving the briefs" in x)
        running.port = int(line.split("http://127.0.0.1:", 1)[1].split("/", 1)[0])
        yield running
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def open_stream(running: Running, page: str) -> tuple[http.client.HTTPConnection,
                                                      http.client.HTTPResponse]:
    conn = http.client.HTTPConnection("127.0.0.1", running.port, timeout=REBUILD_TIMEOUT)
    conn.request("GET", f"{EVENTS_PATH}?page={page}")
    return conn, conn.getresponse()


@pytest.mark.slow
def test_a_save_rebuilds_the_viewed_brief_and_reloads_it(preview: Running) -> None:
    conn, stream = open_stream(preview, "caatsa_f35.html")
    time.sleep(0.5)
    start = len(preview.output())
    set_claim(preview.data, "proposition", "s004 says the purchase deal was signed in 2017 "
                                           "(edited in the preview).")
    event, data = read_events(stream, 1)[0]
    conn.close()
    assert event == "reload" and "caatsa_f35.html" in data["pages"]  # type: ignore[index]
    html = (preview.out / "caatsa_f35.html").read_bytes()
    assert b"(edited in the preview)" in html
    assert EVENTS_PATH.encode() not in html  # the reload hook is only in what is served
    # byte-identical to what `briefbook build` makes of the same inputs
    other = preview.out.parent / "built"
    done = run_cli("build", "--only", "caatsa_f35", "--data", str(preview.data),
                   "--out", str(other))
    assert done.returncode == 0, done.stderr
    assert (other / "caatsa_f35.html").read_bytes() == html
    # the other briefs are rebuilt after it; the next test starts once they are done, so no
    # late reload of theirs reaches its page
    preview.wait_for(UP_TO_DATE, REBUILD_TIMEOUT, after=start)


@pytest.mark.slow
def test_a_bad_save_shows_its_reasons_and_keeps_the_last_good_brief(preview: Running) -> None:
    before = (preview.out / "caatsa_f35.html").read_bytes()
    conn, stream = open_stream(preview, "caatsa_f35.html")
    time.sleep(0.5)
    start = len(preview.output())
    claims = csv.DictReader(io.StringIO((preview.data / "claims.csv").read_text("utf-8")))
    good = next(r for r in claims if r["claim_id"] == CLAIM)["credibility"]
    set_claim(preview.data, "credibility", "9")
    try:
        event, data = read_events(stream, 1)[0]
        assert event == "problems"
        line = next(x for x in data["lines"] if "credibility" in x)  # type: ignore[index]
        assert re.search(r"claims\.csv:\d+: credibility: '9' ", line), line
        preview.wait_for(line, 30, after=start)  # the terminal says the same
        assert (preview.out / "caatsa_f35.html").read_bytes() == before
    finally:
        start = len(preview.output())
        set_claim(preview.data, "credibility", good)  # fixed: the banner goes
    assert read_events(stream, 1)[0] == ("ok", {})
    conn.close()
    preview.wait_for(UP_TO_DATE, REBUILD_TIMEOUT, after=start)


@pytest.mark.slow
def test_ctrl_c_stops_server_watcher_workers_and_kernels(preview: Running) -> None:
    """Ctrl-C in the middle of a rebuild: everything the preview started exits."""
    start = len(preview.output())
    set_claim(preview.data, "proposition", "s004 says the purchase deal was signed in 2017.")
    preview.wait_for(": running", REBUILD_TIMEOUT, after=start)
    time.sleep(1.0)  # a kernel is up
    tree = psutil.Process(preview.proc.pid).children(recursive=True)
    assert any("ipykernel" in command_line(p) for p in tree), "no kernel was running"
    preview.proc.send_signal(signal.SIGINT)
    assert preview.proc.wait(timeout=30) == 0
    assert "preview: stopped." in preview.output()
    _, alive = psutil.wait_procs(tree, timeout=10)
    assert not alive, [command_line(p) for p in alive]
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", preview.port, timeout=2).request("GET", "/")
