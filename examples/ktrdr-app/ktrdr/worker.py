"""KTRDR worker: runs the jobs the backend hands it, serves /status for the backend's callbacks and keeps
itself registered (design §6.4).

One job at a time (POST /jobs); /status says busy or idle, the job's id, and whether the worker drains. A worker
told to drain (POST /drain, or SIGTERM) takes no new job and finishes the one it has; POST /resume takes it
back. A finished job is reported to the backend (POST /jobs/done), again until the backend answers, and listed
in /status's `done` meanwhile, so a backend that restarted learns it from its next poll.

Run: python3 -m ktrdr.worker   (env contract in ktrdr/config.py)
"""

import collections
import threading
import time

from . import config, jobs
from .httpjson import JsonHandler, call_json, prometheus, serve

REGISTER_INTERVAL = 10.0  # re-register so the worker stays listed after a backend restart / DB reset
RETRY_INTERVAL = 3.0      # while the backend is not answering


class Worker:
    def __init__(self, cfg, log):
        self.cfg, self.log = cfg, log
        self.registered = False
        self.registrations = 0
        self.failures = 0
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.job = None            # the job being run: {job_id, name, duration, attempt}
        self.draining = False
        self.since = time.time()   # when the state (busy/idle) last changed
        self.done = collections.deque(maxlen=50)  # job ids finished here, newest last
        self.unreported = {}       # job_id -> report body, until the backend took it
        self.jobs_run = 0
        self.idle = threading.Event()
        self.idle.set()

    def status(self):
        with self.lock:
            job = self.job
            return {"worker_id": self.cfg["WORKER_ID"], "state": "busy" if job else "idle",
                    "url": self.cfg["WORKER_PUBLIC_BASE_URL"], "draining": self.draining,
                    "job_id": job["job_id"] if job else None, "since": self.since, "registered": self.registered,
                    "done": list(self.done)}

    def accept(self, body):
        """(HTTP status, reply) for POST /jobs: 202 when the job starts here, 409 when busy or draining."""
        if not isinstance(body, dict) or not jobs.valid_job_id(body.get("job_id")) \
                or not isinstance(body.get("name"), str) or not isinstance(body.get("duration"), (int, float)) \
                or isinstance(body.get("duration"), bool) or not 0 <= body["duration"] <= 86400:
            return 400, {"error": 'expected JSON {"job_id": "...", "name": "...", "duration": seconds}'}
        with self.lock:
            if self.draining:
                return 409, {"error": "draining: takes no new job", "draining": True}
            if self.job is not None:
                return 409, {"error": "busy", "job_id": self.job["job_id"]}
            self.job = {"job_id": body["job_id"], "name": body["name"], "duration": float(body["duration"]),
                        "attempt": int(body.get("attempt") or 1)}
            self.since = time.time()
            self.idle.clear()
            job = self.job
        self.log.info("job %s (%s, %.1fs) started", job["job_id"], job["name"], job["duration"])
        threading.Thread(target=self.run_job, args=(job,), name=f"job-{job['job_id']}", daemon=True).start()
        return 202, {"job_id": job["job_id"], "accepted": True}

    def run_job(self, job):
        outcome = "failed"
        try:
            outcome = jobs.run(self.cfg["SHARED_MOUNT_PATH"], job, self.cfg["WORKER_ID"])
        except OSError as exc:
            self.log.error("job %s failed: %s", job["job_id"], config.redact(exc, self.cfg))
        with self.lock:
            self.job = None
            self.since = time.time()
            self.jobs_run += 1
            if outcome != "failed":
                self.done.append(job["job_id"])
            self.unreported[job["job_id"]] = {"job_id": job["job_id"], "worker_id": self.cfg["WORKER_ID"],
                                              "ok": outcome != "failed", "result": outcome}
            self.idle.set()
        self.log.info("job %s finished (%s)", job["job_id"], outcome)
        self.report()

    def report(self):
        """Tell the backend of every finished job it has not taken yet; False while some are left."""
        with self.lock:
            pending = list(self.unreported.values())
        for body in pending:
            try:
                status, _ = call_json("POST", self.cfg["BACKEND_BASE_URL"] + "/jobs/done", body, timeout=5.0)
            except OSError:
                return False
            if status in (200, 404):  # 404: a job the backend does not know (its database was reset)
                with self.lock:
                    self.unreported.pop(body["job_id"], None)
        return not self.unreported

    def set_draining(self, on):
        with self.lock:
            if self.draining != on:
                self.log.info("draining: %s", "takes no new job, finishes the one it has" if on else "off")
            self.draining = on

    def drain_and_wait(self):
        """SIGTERM: take no new job, finish the running one (compose's stop_grace_period bounds the wait)."""
        self.set_draining(True)
        if not self.idle.is_set():
            self.log.info("stopping once job %s is finished", (self.job or {}).get("job_id"))
        self.idle.wait()
        self.report()

    def register_once(self):
        url = self.cfg["BACKEND_BASE_URL"] + "/workers/register"
        body = {"worker_id": self.cfg["WORKER_ID"], "url": self.cfg["WORKER_PUBLIC_BASE_URL"]}
        try:
            status, reply = call_json("POST", url, body, timeout=5.0)
            ok, why = status == 200, f"HTTP {status} {reply}"
        except OSError as exc:
            ok, why = False, str(exc)
        if ok:
            self.registrations += 1
            if not self.registered:
                self.log.info("registered with backend %s as %s (callback URL %s)",
                              self.cfg["BACKEND_BASE_URL"], body["worker_id"], body["url"])
        else:
            self.failures += 1
            if self.registered or self.failures == 1:  # quiet: log the transition, not every retry
                self.log.warning("backend %s not accepting registration yet (%s); retrying",
                                 self.cfg["BACKEND_BASE_URL"], config.redact(why, self.cfg))
            else:
                self.log.debug("registration retry failed: %s", config.redact(why, self.cfg))
        self.registered = ok
        return ok

    def register_loop(self):
        while not self.stop.is_set():
            ok = self.register_once() and self.report()
            self.stop.wait(REGISTER_INTERVAL if ok else RETRY_INTERVAL)


def make_handler(app):
    class Handler(JsonHandler):
        routes = {("GET", "/status"): "get_status", ("GET", "/health"): "health", ("GET", "/metrics"): "metrics",
                  ("POST", "/jobs"): "start_job", ("POST", "/drain"): "drain", ("POST", "/resume"): "resume"}

        def get_status(self):
            return 200, app.status()

        def start_job(self):
            return app.accept(self.read_json())

        def drain(self):
            app.set_draining(True)
            return 200, app.status()

        def resume(self):
            app.set_draining(False)
            return 200, app.status()

        def health(self):
            return 200, {"status": "ok"}

        def metrics(self):
            return 200, prometheus([
                ("ktrdr_worker_registered", "1 if the last registration with the backend succeeded", "gauge",
                 int(app.registered)),
                ("ktrdr_worker_registrations_total", "Successful registrations", "counter", app.registrations),
                ("ktrdr_worker_registration_failures_total", "Failed registration attempts", "counter", app.failures),
                ("ktrdr_worker_busy", "1 while a job runs", "gauge", int(app.job is not None)),
                ("ktrdr_worker_draining", "1 while the worker takes no new job", "gauge", int(app.draining)),
                ("ktrdr_worker_jobs_total", "Jobs run to their end", "counter", app.jobs_run),
            ])

    return Handler


def main():
    cfg = config.load_or_exit("worker")
    log = config.setup_logging(cfg, "worker")
    log.info("starting: %s", config.public_summary(cfg))
    config.check_shared_mount(cfg, log)
    app = Worker(cfg, log)
    threading.Thread(target=app.register_loop, name="register", daemon=True).start()
    try:
        serve(make_handler(app), cfg["BIND_ADDRESS"], cfg["PORT"], log, before_stop=app.drain_and_wait)
    finally:
        app.stop.set()


if __name__ == "__main__":
    main()
