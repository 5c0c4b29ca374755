"""The preview's web server: the files under ``briefs/``, on loopback, plus a live-reload channel.

What it serves and what it refuses:

* it binds ``127.0.0.1`` only, so nothing off this machine can reach it;
* it answers GET and HEAD; every other method gets 405;
* a path is percent-decoded once, resolved (symlinks followed) and served only if the result is
  a file inside the served folder; ``..`` (encoded or not), absolute paths, hidden files (the
  build's ``.cache/`` and lock), NUL bytes and symlinks leading out all get 404.

Files are sent as they are on disk, except that an HTML page gets the small reload script of
``templates/preview/reload.js`` appended to the response. The script lives only in what the
server sends, never in ``briefs/``, so the files stay byte-identical to ``make briefs``.

The script listens on ``/__preview__/events`` (Server-Sent Events): ``reload`` names the pages
rebuilt (a page reloads when it is one of them), ``problems`` carries the one-line reasons a save
was refused (shown as a banner over the page), ``ok`` clears the banner. Each connection also
tells the server which page it shows, so the page being viewed is rebuilt first.
"""

from __future__ import annotations

import json
import mimetypes
import queue
import threading
from collections import Counter
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from briefbook.config import TEMPLATES_DIR

EVENTS_PATH = "/__preview__/events"
RELOAD_SCRIPT = TEMPLATES_DIR / "preview" / "reload.js"
KEEPALIVE_SECONDS = 15.0  # an SSE comment this often, so a closed tab is noticed
LOOPBACK = "127.0.0.1"
_STOP = object()  # put on a client's queue when the server shuts down


class Events:
    """The live-reload channel: which pages are open, and what each of them is told.

    Thread-safe: the watcher publishes from its thread while each open page is served by a
    thread of its own.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[queue.Queue[object], str] = {}
        self._problems: list[str] = []

    def viewed(self) -> list[str]:
        """Pages open right now (paths relative to the served folder), most viewed first."""
        with self._lock:
            counts = Counter(self._clients.values())
        return [page for page, _ in counts.most_common()]

    def connect(self, page: str) -> queue.Queue[object]:
        """Register an open page; it is first told the current problems, if any."""
        inbox: queue.Queue[object] = queue.Queue()
        with self._lock:
            self._clients[inbox] = page
            if self._problems:
                inbox.put(("problems", {"lines": self._problems}))
        return inbox

    def has_problems(self) -> bool:
        with self._lock:
            return bool(self._problems)

    def disconnect(self, inbox: queue.Queue[object]) -> None:
        with self._lock:
            self._clients.pop(inbox, None)

    def reload(self, pages: list[str]) -> None:
        """Tell open pages that these pages were rebuilt (those showing one reload)."""
        self._send("reload", {"pages": pages})

    def problems(self, lines: list[str]) -> None:
        """Show these one-line reasons in every open page until :meth:`ok` (last good stays)."""
        with self._lock:
            self._problems = list(lines)
        self._send("problems", {"lines": lines})

    def ok(self) -> None:
        """The last save built cleanly: clear the banner."""
        with self._lock:
            had, self._problems = self._problems, []
        if had:
            self._send("ok", {})

    def close(self) -> None:
        """End every open event stream (the server is stopping)."""
        with self._lock:
            inboxes = list(self._clients)
        for inbox in inboxes:
            inbox.put(_STOP)

    def _send(self, event: str, data: dict[str, object]) -> None:
        with self._lock:
            inboxes = list(self._clients)
        for inbox in inboxes:
            inbox.put((event, data))


def resolve_request(root: Path, url_path: str) -> Path | None:
    """The file under ``root`` that ``url_path`` names, or None when it must not be served."""
    path = unquote(urlsplit(url_path).path, errors="strict")
    if "\0" in path or not path.startswith("/"):
        return None
    parts = [p for p in path.split("/") if p]
    if any(p.startswith(".") or "\\" in p for p in parts):  # "..", hidden files, Windows paths
        return None
    candidate = root.joinpath(*parts) if parts else root
    if candidate.is_dir():
        candidate = candidate / "index.html"
    try:
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root.resolve()) or not real.is_file():
        return None
    return real


def inject_reload(html: bytes, script: bytes) -> bytes:
    """``html`` with the reload script before its closing ``</body>`` (or at its end)."""
    tag = b"<script>\n" + script + b"\n</script>\n"
    at = html.rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


class PreviewServer(ThreadingHTTPServer):
    """A threading HTTP server for one folder; see the module docstring."""

    daemon_threads = True  # an open event stream never keeps the process alive
    allow_reuse_address = True

    def __init__(self, root: Path, port: int, events: Events) -> None:
        self.root = Path(root).resolve()
        self.events = events
        self.script = RELOAD_SCRIPT.read_bytes()
        self.stopping = threading.Event()
        super().__init__((LOOPBACK, port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def stop(self) -> None:
        """Stop answering, end the event streams and close the socket."""
        self.stopping.set()
        self.events.close()
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    protocol_version = "HTTP/1.1"
    server_version = "briefbook-preview"
    sys_version = ""

    def do_GET(self) -> None:
        if urlsplit(self.path).path == EVENTS_PATH:
            self._events()
        else:
            self._file(body=True)

    def do_HEAD(self) -> None:
        self._file(body=False)

    def _refuse_method(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse_method

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the terminal is for build progress and problems, not one line per request."""

    def _file(self, body: bool) -> None:
        try:
            path = resolve_request(self.server.root, self.path)
        except UnicodeDecodeError:
            path = None
        if path is None:
            self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", body)
            return
        data = path.read_bytes()
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind == "text/html":
            data = inject_reload(data, self.server.script)
            kind += "; charset=utf-8"
        self._send(HTTPStatus.OK, data, kind, body)

    def _send(self, status: HTTPStatus, data: bytes, kind: str, body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _events(self) -> None:
        page = parse_qs(urlsplit(self.path).query).get("page", [""])[0].lstrip("/")
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.close_connection = True
        inbox = self.server.events.connect(page or "index.html")
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while not self.server.stopping.is_set():
                try:
                    message = inbox.get(timeout=KEEPALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    if message is _STOP:
                        break
                    event, data = message  # type: ignore[misc]
                    self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page was closed or reloaded
        finally:
            self.server.events.disconnect(inbox)
