"""Tiny JSON-over-HTTP helpers shared by backend and worker (stdlib only)."""

import json
import logging
import signal
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("ktrdr.http")


class JsonHandler(BaseHTTPRequestHandler):
    """Subclasses define routes: {("GET", "/health"): "method_name"}; methods return (status, body)."""

    routes = {}
    server_version = "ktrdr"

    def _dispatch(self, verb):
        path = self.path.split("?", 1)[0].rstrip("/") or "/"
        name = self.routes.get((verb, path))
        if name is None and path.count("/") >= 2:  # ("GET", "/jobs/*"): one more segment, as self.path_arg
            parent, self.path_arg = path.rsplit("/", 1)
            name = self.routes.get((verb, parent + "/*"))
        if name is None:
            return self.reply(404, {"error": f"no route {verb} {path}"})
        try:
            status, body = getattr(self, name)()
        except Exception:  # noqa: BLE001 - a handler bug must not kill the server thread
            log.exception("handler %s failed", name)
            status, body = 500, {"error": "internal error"}
        self.reply(status, body)

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def read_json(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def reply(self, status, body):
        if isinstance(body, str):  # plain text (Prometheus metrics)
            data, ctype = body.encode(), "text/plain; version=0.0.4; charset=utf-8"
        else:
            data, ctype = json.dumps(body).encode(), "application/json"
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):  # access log only at DEBUG: health checks would flood INFO
        log.debug("%s %s", self.address_string(), fmt % args)


def serve(handler_cls, bind, port, logger, before_stop=None):
    """Serve until SIGTERM/SIGINT; as PID 1 in a container SIGTERM is ignored unless handled. before_stop runs
    first, with the server still answering (a worker finishes its job there, reporting `draining`)."""
    server = ThreadingHTTPServer((bind, port), handler_cls)
    server.daemon_threads = True

    def shutdown():
        if before_stop is not None:
            before_stop()
        server.shutdown()

    def stop(signum, _frame):
        logger.info("received signal %s, shutting down", signum)
        threading.Thread(target=shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    logger.info("listening on %s:%d", bind, port)
    try:
        server.serve_forever()
    finally:
        server.server_close()


def call_json(method, url, body=None, timeout=3.0):
    """Return (status, parsed_json_or_None). Raises OSError (URLError included) if unreachable."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        status, raw = exc.code, exc.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, None


def prometheus(metrics):
    """metrics: list of (name, help, type, value) -> Prometheus text exposition."""
    lines = []
    for name, help_text, mtype, value in metrics:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {mtype}", f"{name} {value}"]
    return "\n".join(lines) + "\n"
