"""KTRDR worker: serves /status for the backend's callbacks and keeps itself registered (design §6.4).

Run: python3 -m ktrdr.worker   (env contract in ktrdr/config.py)
"""

import threading

from . import config
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

    def status(self):
        return {"worker_id": self.cfg["WORKER_ID"], "state": "idle", "url": self.cfg["WORKER_PUBLIC_BASE_URL"]}

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
            ok = self.register_once()
            self.stop.wait(REGISTER_INTERVAL if ok else RETRY_INTERVAL)


def make_handler(app):
    class Handler(JsonHandler):
        routes = {("GET", "/status"): "get_status", ("GET", "/health"): "health", ("GET", "/metrics"): "metrics"}

        def get_status(self):
            return 200, app.status()

        def health(self):
            return 200, {"status": "ok"}

        def metrics(self):
            return 200, prometheus([
                ("ktrdr_worker_registered", "1 if the last registration with the backend succeeded", "gauge",
                 int(app.registered)),
                ("ktrdr_worker_registrations_total", "Successful registrations", "counter", app.registrations),
                ("ktrdr_worker_registration_failures_total", "Failed registration attempts", "counter", app.failures),
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
        serve(make_handler(app), cfg["BIND_ADDRESS"], cfg["PORT"], log)
    finally:
        app.stop.set()


if __name__ == "__main__":
    main()
