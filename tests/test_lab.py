"""The notebooks open and run in a real JupyterLab server, as an editor would use them.

One JupyterLab server is started per module, rooted at a temporary copy of ``notebooks/`` so
nothing can write to the real notebooks, with its own config, runtime, settings and workspace
folders so the user's Jupyter set-up neither leaks in nor gets written to. The tests then

* list the notebooks through the contents REST API;
* run every code cell of every notebook in a kernel started through the sessions API, talking
  the Jupyter messaging protocol over the kernel's websocket, and check the outputs carry the
  plotly mimetype JupyterLab renders natively and HTML;
* open one notebook in the JupyterLab web UI in Debian's headless Chromium, run all cells from
  the Run menu and wait until plotly has drawn the figure.

Teardown shuts the server down through its API and checks that no kernel process outlives it.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
import websocket

from tests.conftest import CHROMIUM_ARGS, PROJECT, require_chromium

pytestmark = pytest.mark.lab

NOTEBOOKS = ["caatsa_f35.ipynb", "steel_dome.ipynb", "india_s400_timeline.ipynb", "overview.ipynb"]
PLOTLY_MIMETYPE = "application/vnd.plotly.v1+json"
STARTUP_TIMEOUT = 90  # seconds for the server to answer /api/status
NOTEBOOK_TIMEOUT = 120  # seconds to run one notebook, all cells
BROWSER_TIMEOUT = 120  # seconds for JupyterLab to load, run all cells and draw the plot
SHUTDOWN_TIMEOUT = 20  # seconds for the server (and its kernels) to exit after /api/shutdown
SCREENSHOT = PROJECT / "test-artefacts" / "screenshots" / "jupyterlab_india.png"
TABLE_SCREENSHOT = SCREENSHOT.with_name("jupyterlab_india_table.png")
# The brief's table style in JupyterLab (briefbook.notebook_style): left-aligned cells, the
# brief's header rule and zebra rows, instead of JupyterLab's right-aligned defaults.
TABLE_STYLE = """table => {
    const cell = getComputedStyle(table.querySelector('tbody td'));
    const head = getComputedStyle(table.querySelector('thead th'));
    const badge = document.querySelector('.jp-OutputArea-output .bb-status');
    return {align: cell.textAlign, headAlign: head.textAlign,
            headRule: head.borderBottomWidth + ' ' + head.borderBottomStyle,
            badge: badge ? getComputedStyle(badge).textTransform : null};
}"""
LOOPBACK = ("127.0.0.1", "localhost", "[::1]")
RUN_ATTEMPTS = 3  # Run All issued at most this often (see the UI test)
RUN_STARTED_TIMEOUT = 15  # seconds for a Run All to queue its cells before it is issued again
# Some code cell has left the cleared state ([ ]): it is queued ([*]) or has run ([n]).
RUN_STARTED = """() => [...document.querySelectorAll(
    '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')]
    .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""
VIEWPORT = {"width": 1400, "height": 1000}
# Scroll the notebook's panel so the first plot sits near the top of the window.
SCROLL_TO_PLOT = """svg => {
    const plot = svg.closest('.js-plotly-plot');
    const scroller = plot.closest('.jp-WindowedPanel-outer') || plot.closest('.jp-Notebook');
    scroller.scrollTop += plot.getBoundingClientRect().top
        - scroller.getBoundingClientRect().top - 120;
}"""
# Every code cell shows an execution count: none queued ([*]) or left unrun ([ ]).
ALL_CELLS_RAN = """() => {
    const prompts = [...document.querySelectorAll(
        '.jp-NotebookPanel .jp-CodeCell .jp-InputArea-prompt')];
    return prompts.length > 0 && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Lab:
    """A running JupyterLab server: where it is, how to authenticate, what it started."""

    url: str
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path
    children: dict[int, psutil.Process] = field(default_factory=dict)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 30)
        return requests.request(method, f"{self.url}{path}", headers=self.headers, **kwargs)

    def ws_url(self, kernel_id: str, session_id: str) -> str:
        base = self.url.replace("http://", "ws://", 1)
        return (f"{base}/api/kernels/{kernel_id}/channels"
                f"?session_id={session_id}&token={self.token}")

    def log_tail(self, chars: int = 6000) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else "(no log)"
        return text[-chars:]

    def track_children(self) -> None:
        """Remember every process the server has started so far (kernels), to check at exit."""
        with contextlib.suppress(psutil.NoSuchProcess):
            for child in psutil.Process(self.process.pid).children(recursive=True):
                self.children.setdefault(child.pid, child)


def _stop(lab: Lab) -> list[psutil.Process]:
    """Shut the server down politely, then by force; returns child processes left alive."""
    lab.track_children()
    if lab.process.poll() is None:
        with contextlib.suppress(requests.RequestException):
            lab.api("POST", "/api/shutdown", timeout=10)
        try:
            lab.process.wait(timeout=SHUTDOWN_TIMEOUT)
        except subprocess.TimeoutExpired:
            lab.process.terminate()
            try:
                lab.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                lab.process.kill()
                lab.process.wait(timeout=10)
    children = list(lab.children.values())
    _gone, alive = psutil.wait_procs(children, timeout=SHUTDOWN_TIMEOUT)
    for proc in alive:  # never leak a kernel, even when the assertion below fails
        with contextlib.suppress(psutil.NoSuchProcess):
            proc.kill()
    psutil.wait_procs(alive, timeout=10)
    return alive


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """A JupyterLab server on a free loopback port, rooted at a temporary copy of the notebooks."""
    base = tmp_path_factory.mktemp("lab")
    root = base / "notebooks"
    shutil.copytree(PROJECT / "notebooks", root,
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    settings = base / "user-settings"
    user_settings = {
        # belt and braces: the copy is disposable anyway, but the UI should never autosave it
        "docmanager-extension/plugin": {"autosave": False},
        # no "get notified about official Jupyter news?" toast, no request to the news feed
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
    }
    for plugin, values in user_settings.items():
        target = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values))
    for name in ("config", "runtime", "workspaces", "ipython"):
        (base / name).mkdir()
    port, token = free_port(), secrets.token_hex(24)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(base / "config"),
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    log = base / "server.log"
    command = [
        sys.executable, "-m", "jupyterlab",
        "--no-browser",
        "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",  # fail loudly rather than drift to another port
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={base / 'workspaces'}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # never query PyPI for extensions
        "--ServerApp.terminals_enabled=False",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and CI runners often run as root
        command.append("--allow-root")
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Lab(url=f"http://127.0.0.1:{port}", token=token, root=root, process=process, log=log)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with code {process.returncode} while starting:\n"
                            f"{server.log_tail()}")
            try:
                if server.api("GET", "/api/status", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer /api/status within {STARTUP_TIMEOUT} s:\n"
                            f"{server.log_tail()}")
            time.sleep(0.25)
        yield server
    finally:
        alive = _stop(server)
    assert server.process.returncode is not None
    assert not alive, (
        f"kernel processes outlived the JupyterLab server (killed now): "
        f"{[p.pid for p in alive]}\n{server.log_tail()}"
    )


# --- REST API -----------------------------------------------------------------------------------


def test_contents_lists_the_four_notebooks(lab: Lab) -> None:
    response = lab.api("GET", "/api/contents", params={"content": 1})
    assert response.status_code == 200, response.text
    listing = response.json()
    assert listing["type"] == "directory"
    notebooks = {item["name"] for item in listing["content"] if item["type"] == "notebook"}
    assert set(NOTEBOOKS) <= notebooks, f"missing: {sorted(set(NOTEBOOKS) - notebooks)}"


# --- kernels over the websocket -----------------------------------------------------------------


class KernelClient:
    """The smallest useful client of a kernel's websocket: send a request, gather its replies."""

    def __init__(self, url: str, session_id: str, deadline: float) -> None:
        self.session_id = session_id
        self.deadline = deadline
        self.ws = websocket.create_connection(url, timeout=self.remaining())

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the kernel did not answer in time")
        return left

    def send(self, channel: str, msg_type: str, content: dict[str, Any]) -> str:
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "channel": channel,
            "header": {"msg_id": msg_id, "msg_type": msg_type, "session": self.session_id,
                       "username": "test", "version": "5.4",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "content": content, "buffers": [],
        }))
        return msg_id

    def request(self, channel: str, msg_type: str,
                content: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Send a request; return its reply and the iopub messages it caused, up to idle."""
        msg_id = self.send(channel, msg_type, content)
        reply: dict[str, Any] | None = None
        iopub: list[dict[str, Any]] = []
        idle = False
        while reply is None or not idle:
            self.ws.settimeout(self.remaining())
            message = json.loads(self.ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["channel"] == channel:
                reply = message
            elif message["channel"] == "iopub":
                iopub.append(message)
                if (message["msg_type"] == "status"
                        and message["content"]["execution_state"] == "idle"):
                    idle = True
        return reply, iopub

    def close(self) -> None:
        self.ws.close()


def code_cells(path: Path) -> list[str]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            for cell in notebook["cells"] if cell["cell_type"] == "code"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_in_a_lab_kernel(lab: Lab, name: str) -> None:
    cells = code_cells(lab.root / name)
    assert cells, f"{name} has no code cells"
    response = lab.api("POST", "/api/sessions", json={
        "path": name, "name": name, "type": "notebook", "kernel": {"name": "python3"},
    })
    assert response.status_code == 201, response.text
    session = response.json()
    kernel_id = session["kernel"]["id"]
    lab.track_children()
    client: KernelClient | None = None
    try:
        deadline = time.monotonic() + NOTEBOOK_TIMEOUT
        client = KernelClient(lab.ws_url(kernel_id, uuid.uuid4().hex), uuid.uuid4().hex, deadline)
        info, _ = client.request("shell", "kernel_info_request", {})
        assert info["content"]["status"] == "ok", info["content"]
        outputs: list[dict[str, Any]] = []
        for index, source in enumerate(cells):
            try:
                reply, iopub = client.request("shell", "execute_request", {
                    "code": source, "silent": False, "store_history": True,
                    "user_expressions": {}, "allow_stdin": False, "stop_on_error": True,
                })
            except (TimeoutError, websocket.WebSocketTimeoutException):
                pytest.fail(f"{name}: code cell {index} did not finish within "
                            f"{NOTEBOOK_TIMEOUT} s for the whole notebook")
            content = reply["content"]
            if content["status"] != "ok":
                pytest.fail(f"{name}: code cell {index} failed: "
                            f"{content.get('ename')}: {content.get('evalue')}\n{source[:500]}")
            errors = [m["content"] for m in iopub if m["msg_type"] == "error"]
            assert not errors, f"{name}: code cell {index} raised {errors[0]['ename']}"
            outputs += [m["content"] for m in iopub
                        if m["msg_type"] in {"display_data", "execute_result"}]
        mimetypes = [set(output["data"]) for output in outputs]
        assert any(PLOTLY_MIMETYPE in kinds for kinds in mimetypes), (
            f"{name}: no output carries {PLOTLY_MIMETYPE}: {mimetypes}")
        assert any("text/html" in kinds for kinds in mimetypes), (
            f"{name}: no output carries text/html: {mimetypes}")
        figures = [o["data"][PLOTLY_MIMETYPE] for o in outputs if PLOTLY_MIMETYPE in o["data"]]
        assert all(figure.get("data") for figure in figures), f"{name}: an empty plotly figure"
    finally:
        if client is not None:
            client.close()
        lab.api("DELETE", f"/api/sessions/{session['id']}")
    gone = lab.api("GET", f"/api/kernels/{kernel_id}")
    assert gone.status_code == 404, f"kernel {kernel_id} still running after its session ended"


# --- the JupyterLab web UI in Chromium ----------------------------------------------------------


def menu(page: Any, top: str, item: str) -> None:
    """Choose ``top > item`` from JupyterLab's menu bar, on the open notebook."""
    page.locator(".jp-Notebook").first.click()
    page.locator(".lm-MenuBar-itemLabel", has_text=top).first.click()
    page.locator(".lm-Menu-itemLabel", has_text=item).first.click()


def wait_for_connected_kernel(lab: Lab, page: Any, path: str, deadline: float) -> str:
    """The id of the idle kernel the web UI opened for ``path``, once a websocket is attached.

    Polls the REST API, pausing through ``page`` rather than ``time.sleep``: the sync Playwright
    API only serves the page's routed requests (and so lets JupyterLab create its session) while
    the test is inside a Playwright call.
    """
    seen: list[Any] = []
    while time.monotonic() < deadline:
        seen = lab.api("GET", "/api/sessions").json()
        for session in seen:
            kernel = session.get("kernel") or {}
            if (session["path"] == path and kernel.get("execution_state") == "idle"
                    and kernel.get("connections", 0) > 0):
                return kernel["id"]
        page.wait_for_timeout(250)
    pytest.fail(f"JupyterLab did not connect to an idle kernel for {path}: {seen}\n"
                f"{lab.log_tail()}")


@pytest.mark.browser
def test_lab_ui_runs_india_notebook_and_draws_the_plot(lab: Lab) -> None:
    executable = require_chromium()
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
    from playwright.sync_api import sync_playwright

    name = "india_s400_timeline.ipynb"
    blocked: list[str] = []
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.set_default_timeout(BROWSER_TIMEOUT * 1000)
            console: list[str] = []
            page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
            page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))

            def offline(route: Any) -> None:  # JupyterLab should need nothing from outside
                host = route.request.url.split("/")[2].rsplit(":", 1)[0]
                if host in LOOPBACK or route.request.url.startswith(("data:", "blob:")):
                    route.continue_()
                else:
                    blocked.append(route.request.url)
                    route.abort()

            page.route("**/*", offline)
            page.goto(f"{lab.url}/lab/tree/{name}?token={lab.token}")
            panel = page.locator(".jp-NotebookPanel").filter(has=page.locator(".jp-Notebook"))
            panel.first.wait_for(state="visible")
            # The kernel named in the notebook's metadata starts by itself. The toolbar's status
            # circle says "idle" before any kernel exists, and "Run All Cells" then clears the
            # outputs and runs nothing, so wait until the server reports the page connected to
            # an idle kernel, and the status bar agrees.
            deadline = time.monotonic() + BROWSER_TIMEOUT
            kernel_id = wait_for_connected_kernel(lab, page, name, deadline)
            page.locator(".jp-StatusBar-Widget", has_text="| Idle").first.wait_for()
            lab.track_children()
            plot = page.locator(".jp-NotebookPanel .jp-OutputArea .js-plotly-plot .main-svg")
            # Clear the stored outputs (and execution counts) first, so what shows up afterwards
            # is this run's: a fresh kernel numbers the cells exactly as they are stored.
            menu(page, "Edit", "Clear Outputs of All Cells")
            page.wait_for_function(
                "() => !document.querySelector('.jp-NotebookPanel .jp-OutputArea-output')")
            assert not page.evaluate(RUN_STARTED), "clearing the outputs left execution counts"
            # Should a Run All still be dropped (every prompt stays [ ]), issue it again; a run
            # that has started is never repeated.
            for attempt in range(1, RUN_ATTEMPTS + 1):
                menu(page, "Run", "Run All Cells")
                try:
                    page.wait_for_function(RUN_STARTED, timeout=RUN_STARTED_TIMEOUT * 1000)
                    break
                except PlaywrightTimeoutError:
                    if attempt == RUN_ATTEMPTS:
                        raise
            plot.first.wait_for(state="visible", timeout=BROWSER_TIMEOUT * 1000)
            page.wait_for_function(ALL_CELLS_RAN, timeout=BROWSER_TIMEOUT * 1000)
            errors = page.locator(
                ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            traces = [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]
            assert not traces, f"a cell failed in JupyterLab: {traces[0][:500]}"
            # Bring the whole figure into view for the screenshot. The notebook scrolls inside
            # its own panel, and with JupyterLab's default windowing (content-visibility) the
            # cells above change height as they get drawn, so scroll until the plot stays put.
            box = None
            for _ in range(10):
                plot.first.evaluate(SCROLL_TO_PLOT)
                page.wait_for_timeout(300)
                previous, box = box, plot.first.bounding_box()
                if box and previous and abs(box["y"] - previous["y"]) < 1:
                    break
            assert box and box["y"] >= 0 and box["y"] + box["height"] <= VIEWPORT["height"], box
            page.screenshot(path=str(SCREENSHOT))
            traces_drawn = page.locator(
                ".jp-NotebookPanel .jp-OutputArea .js-plotly-plot .main-svg .trace").count()
            table = page.locator(".jp-NotebookPanel .jp-OutputArea-output table.bb-table").first
            table.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(TABLE_SCREENSHOT))
            style = table.evaluate(TABLE_STYLE)
            assert style == {"align": "left", "headAlign": "left", "headRule": "2px solid",
                             "badge": "uppercase"}, style
            kernel = lab.api("GET", f"/api/kernels/{kernel_id}")
            assert kernel.status_code == 200, f"the kernel died during the run: {kernel.text}"
            # the kernel is left running on purpose: the fixture's teardown must end it
        except BaseException:  # pytest.fail raises a BaseException
            failure = SCREENSHOT.with_name(SCREENSHOT.stem + "_failure.png")
            with contextlib.suppress(Exception):
                page.screenshot(path=str(failure))
            print(f"screenshot of the failure: {failure}\nbrowser console:", *console,
                  "server log:", lab.log_tail(), sep="\n")
            raise
        finally:
            browser.close()
    assert SCREENSHOT.exists() and SCREENSHOT.stat().st_size > 10_000
    assert TABLE_SCREENSHOT.exists() and TABLE_SCREENSHOT.stat().st_size > 10_000
    assert traces_drawn > 0, "plotly drew the plot's frame but no traces"
    assert not blocked, f"JupyterLab tried to load from the network: {blocked}"
