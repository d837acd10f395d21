"""KTRDR backend: worker registry and job queue in PostgreSQL, polling of each worker's callback URL (design §6.4).

Jobs (POST /jobs: a name and a duration) are handed to an idle registered worker that is not draining, through
that worker's URL. Each poll round (every second) reads every worker's /status: a job the worker lists as done
is done; a job the worker no longer has (it was replaced or restarted) and whose result is not on the shared
mount goes back to the queue, as does one whose worker stayed unreachable for LOST_AFTER seconds.

Run: python3 -m ktrdr.backend   (env contract in ktrdr/config.py); KTRDR_RELOAD=1 restarts it on every code
change (ktrdr/reload.py: the dev compose's hot reload mode runs this same module).
"""

import os
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from . import config, jobs
from .httpjson import JsonHandler, call_json, prometheus, serve

POLL_INTERVAL = 1.0   # seconds between polls of every registered worker (and job dispatch rounds)
POLL_TIMEOUT = 2.0
SCHEMA_RETRY = 2.0
LOST_AFTER = 15.0     # a running job's worker unreachable this long: the job is queued again


class Backend:
    def __init__(self, cfg, db, log):
        self.cfg, self.db, self.log = cfg, db, log
        self.registrations = 0
        self.polls_failed = 0
        self.last_status = {}  # worker_id -> status, to log changes only
        self.seen = {}         # worker_id -> the last /status it answered (None: unreachable)
        self.unreachable_since = {}  # worker_id -> monotonic time of its first failed poll in a row
        self.requeued = 0
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
        body = None
        try:
            status, reply = call_json("GET", worker["url"] + "/status", timeout=POLL_TIMEOUT)
            if status == 200 and isinstance(reply, dict) and reply.get("worker_id") == worker["worker_id"]:
                body = reply
        except OSError:
            pass
        ok = body is not None
        self.seen[worker["worker_id"]] = body
        if ok:
            self.unreachable_since.pop(worker["worker_id"], None)
        else:
            self.unreachable_since.setdefault(worker["worker_id"], time.monotonic())
        new = "ok" if ok else "unreachable"
        self.db.record_poll(worker["worker_id"], ok)
        if not ok:
            self.polls_failed += 1
        if self.last_status.get(worker["worker_id"]) != new:
            level = self.log.info if ok else self.log.warning
            level("worker %s at %s is %s", worker["worker_id"], worker["url"], new)
            self.last_status[worker["worker_id"]] = new

    def reconcile(self, running):
        """Running jobs against what their workers said in this round's poll."""
        for job in running:
            wid, jid = job["worker_id"], job["job_id"]
            seen = self.seen.get(wid)
            if seen is not None and jid in (seen.get("done") or []):
                self.db.finish_job(jid, wid, True, "written")
            elif seen is not None and seen.get("job_id") != jid:
                if os.path.exists(jobs.result_path(self.cfg.get("SHARED_MOUNT_PATH", ""), jid)):
                    self.db.finish_job(jid, wid, True, "existed")
                elif self.db.requeue_job(jid, wid):
                    self.requeued += 1
                    self.log.warning("job %s: worker %s no longer runs it (replaced or restarted): queued again",
                                     jid, wid)
            elif seen is None and time.monotonic() - self.unreachable_since.get(wid, time.monotonic()) > LOST_AFTER:
                if self.db.requeue_job(jid, wid):
                    self.requeued += 1
                    self.log.warning("job %s: worker %s unreachable for %.0fs: queued again", jid, wid, LOST_AFTER)

    def dispatch(self, workers, running):
        """Each queued job, oldest first, to an idle worker that takes jobs (one without a running job)."""
        busy = {j["worker_id"] for j in running}
        free = [w for w in workers if w["worker_id"] not in busy and (self.seen.get(w["worker_id"]) or {}).get(
            "state") == "idle" and not self.seen[w["worker_id"]].get("draining")]
        for job in self.db.list_jobs("queued"):
            if not free:
                return
            worker = free.pop(0)
            if not self.db.assign_job(job["job_id"], worker["worker_id"]):
                continue
            body = {"job_id": job["job_id"], "name": job["name"], "duration": job["duration"],
                    "attempt": job["attempts"] + 1}
            try:
                status, _ = call_json("POST", worker["url"] + "/jobs", body, timeout=POLL_TIMEOUT)
            except OSError:
                status = 0
            if status == 202:
                self.log.info("job %s handed to worker %s", job["job_id"], worker["worker_id"])
            else:
                self.db.unassign_job(job["job_id"], worker["worker_id"])

    def poll_round(self, pool_map=map):
        workers = self.db.list_workers()
        list(pool_map(self.poll_one, workers))
        self.reconcile(self.db.list_jobs("running"))
        self.dispatch(workers, self.db.list_jobs("running"))

    def poll_loop(self):
        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="poll") as pool:
            while not self.stop.wait(POLL_INTERVAL):
                try:
                    self.poll_round(pool.map)
                except Exception as exc:  # noqa: BLE001 - DB down: try again next round
                    self.log.debug("poll round skipped: %s", self.safe(exc))


def make_handler(app):
    class Handler(JsonHandler):
        routes = {("GET", "/health"): "health", ("GET", "/workers"): "workers",
                  ("POST", "/workers/register"): "register", ("GET", "/metrics"): "metrics",
                  ("POST", "/jobs"): "create_job", ("GET", "/jobs"): "list_jobs", ("GET", "/jobs/*"): "get_job",
                  ("POST", "/jobs/done"): "job_done"}

        def create_job(self):
            data = self.read_json()
            duration = (data or {}).get("duration")
            if not data or not isinstance(data.get("name"), str) or not data["name"].strip() \
                    or not isinstance(duration, (int, float)) or isinstance(duration, bool) \
                    or not 0 <= duration <= 86400:
                return 400, {"error": 'expected JSON {"name": "...", "duration": seconds (0 to 86400)}'}
            job_id = data.get("job_id") or uuid.uuid4().hex[:16]
            if not jobs.valid_job_id(job_id):
                return 400, {"error": "job_id: letters, digits, - and _, at most 64"}
            try:
                return 201, app.db.create_job(job_id, data["name"].strip(), float(duration))
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}

        def list_jobs(self):
            try:
                return 200, app.db.list_jobs()
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}

        def get_job(self):
            try:
                job = app.db.get_job(self.path_arg)
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}
            return (200, job) if job else (404, {"error": f"no job {self.path_arg}"})

        def job_done(self):
            data = self.read_json()
            if not data or not jobs.valid_job_id(data.get("job_id")) or not isinstance(data.get("worker_id"), str):
                return 400, {"error": 'expected JSON {"job_id": "...", "worker_id": "...", "ok": true}'}
            try:
                if app.db.get_job(data["job_id"]) is None:
                    return 404, {"error": f"no job {data['job_id']}"}
                app.db.finish_job(data["job_id"], data["worker_id"], bool(data.get("ok")), str(data.get("result")))
            except Exception as exc:  # noqa: BLE001
                return 503, {"error": "database unavailable", "reason": app.safe(exc)}
            return 200, {"job_id": data["job_id"], "recorded": True}

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
                ("ktrdr_jobs_requeued_total", "Jobs queued again after their worker lost them", "counter",
                 app.requeued),
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
