"""KTRDR backend: worker registry in PostgreSQL + polling of each worker's callback URL (design §6.4).

Run: python3 -m ktrdr.backend   (env contract in ktrdr/config.py); KTRDR_RELOAD=1 restarts it on every code
change (ktrdr/reload.py: the dev compose's hot reload mode runs this same module).
"""

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from . import config
from .httpjson import JsonHandler, call_json, prometheus, serve

POLL_INTERVAL = 5.0   # seconds between polls of every registered worker
POLL_TIMEOUT = 2.0
SCHEMA_RETRY = 2.0


class Backend:
    def __init__(self, cfg, db, log):
        self.cfg, self.db, self.log = cfg, db, log
        self.registrations = 0
        self.polls_failed = 0
        self.last_status = {}  # worker_id -> status, to log changes only
        self.stop = threading.Event()

    def safe(self, exc):
        return config.redact(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, self.cfg)

    def init_schema_loop(self):
        """The DB may start after us: retry table creation until it works (health stays 503 meanwhile)."""
        warned = False
        while not self.stop.is_set():
            try:
                self.db.ensure_schema()
                self.log.info("database reachable at %s:%s/%s, workers table ready",
                              self.cfg["DB_HOST"], self.cfg["DB_PORT"], self.cfg["DB_NAME"])
                return
            except Exception as exc:  # noqa: BLE001
                if not warned:
                    self.log.warning("database not reachable yet (%s); retrying every %.0fs", self.safe(exc), SCHEMA_RETRY)
                    warned = True
            self.stop.wait(SCHEMA_RETRY)

    def poll_one(self, worker):
        try:
            status, body = call_json("GET", worker["url"] + "/status", timeout=POLL_TIMEOUT)
            ok = status == 200 and isinstance(body, dict) and body.get("worker_id") == worker["worker_id"]
        except OSError:
            ok = False
        new = "ok" if ok else "unreachable"
        self.db.record_poll(worker["worker_id"], ok)
        if not ok:
            self.polls_failed += 1
        if self.last_status.get(worker["worker_id"]) != new:
            level = self.log.info if ok else self.log.warning
            level("worker %s at %s is %s", worker["worker_id"], worker["url"], new)
            self.last_status[worker["worker_id"]] = new

    def poll_loop(self):
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="poll") as pool:
            while not self.stop.wait(POLL_INTERVAL):
                try:
                    workers = self.db.list_workers()
                    list(pool.map(self.poll_one, workers))
                except Exception as exc:  # noqa: BLE001 - DB down: try again next round
                    self.log.debug("poll round skipped: %s", self.safe(exc))


def make_handler(app):
    class Handler(JsonHandler):
        routes = {("GET", "/health"): "health", ("GET", "/workers"): "workers",
                  ("POST", "/workers/register"): "register", ("GET", "/metrics"): "metrics"}

        def health(self):
            try:
                app.db.ping()
                return 200, {"status": "ok", "db": "ok"}
            except Exception as exc:  # noqa: BLE001
                return 503, {"status": "unavailable", "db": "error", "reason": app.safe(exc)}

        def register(self):
            data = self.read_json()
            if not data or not isinstance(data.get("worker_id"), str) or not isinstance(data.get("url"), str):
                return 400, {"error": 'expected JSON {"worker_id": "...", "url": "http://host:port"}'}
            worker_id, url = data["worker_id"].strip(), data["url"].strip().rstrip("/")
            if not worker_id or not url.startswith(("http://", "https://")):
                return 400, {"error": "worker_id must be non-empty and url an http(s) URL"}
            try:
                app.db.upsert_worker(worker_id, url)
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}
            app.registrations += 1
            if worker_id not in app.last_status:
                app.log.info("worker %s registered with callback URL %s", worker_id, url)
                app.last_status[worker_id] = "unknown"
            return 200, {"worker_id": worker_id, "url": url, "registered": True}

        def workers(self):
            try:
                return 200, app.db.list_workers()
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}

        def metrics(self):
            db_up, workers = 1, []
            try:
                workers = app.db.list_workers()
            except Exception:  # noqa: BLE001
                db_up = 0
            return 200, prometheus([
                ("ktrdr_backend_db_up", "1 if the last database query succeeded", "gauge", db_up),
                ("ktrdr_workers_registered", "Workers in the registry", "gauge", len(workers)),
                ("ktrdr_workers_ok", "Workers whose last poll succeeded", "gauge",
                 sum(w["status"] == "ok" for w in workers)),
                ("ktrdr_worker_registrations_total", "Registration requests accepted", "counter", app.registrations),
                ("ktrdr_worker_polls_failed_total", "Worker polls that failed", "counter", app.polls_failed),
            ])

    return Handler


def main():
    cfg = config.load_or_exit("backend")
    log = config.setup_logging(cfg, "backend")
    from .db import Database  # after the env check, so a missing variable is reported even without psycopg

    log.info("starting: %s", config.public_summary(cfg))
    config.check_shared_mount(cfg, log)
    app = Backend(cfg, Database(cfg), log)
    threading.Thread(target=app.init_schema_loop, name="schema", daemon=True).start()
    threading.Thread(target=app.poll_loop, name="poller", daemon=True).start()
    try:
        serve(make_handler(app), cfg["BIND_ADDRESS"], cfg["PORT"], log)
    finally:
        app.stop.set()


if __name__ == "__main__":
    if os.environ.get("KTRDR_RELOAD") == "1":
        from .reload import run

        sys.exit(run("ktrdr.backend"))
    main()
