"""Backend + worker handlers wired together in-process, with an in-memory stand-in for the DB."""

import json
import logging
import os
import tempfile
import threading
import time
import unittest
import urllib.request
from http.server import ThreadingHTTPServer

from ktrdr import backend, jobs, worker
from ktrdr.httpjson import call_json


class FakeDb:
    def __init__(self):
        self.rows, self.up = {}, True

    def _check(self):
        if not self.up:
            raise OSError("connection refused (password=s3cret-db)")

    def ping(self):
        self._check()

    def upsert_worker(self, worker_id, url):
        self._check()
        row = self.rows.setdefault(worker_id, {"worker_id": worker_id, "registered_at": "t0", "status": "unknown"})
        row.update(url=url, last_seen="t1")

    def list_workers(self):
        self._check()
        return [dict(r) for r in self.rows.values()]

    def record_poll(self, worker_id, ok):
        self.rows[worker_id]["status"] = "ok" if ok else "unreachable"

    # jobs, as db.Database's conditional UPDATEs
    jobs = None

    def _j(self):
        if self.jobs is None:
            self.jobs = {}
        return self.jobs

    def create_job(self, job_id, name, duration):
        self._check()
        self._j()[job_id] = {"job_id": job_id, "name": name, "duration": duration, "state": "queued",
                             "worker_id": None, "attempts": 0, "result": None}
        return dict(self._j()[job_id])

    def list_jobs(self, state=None):
        self._check()
        return [dict(j) for j in self._j().values() if state is None or j["state"] == state]

    def get_job(self, job_id):
        j = self._j().get(job_id)
        return dict(j) if j else None

    def assign_job(self, job_id, worker_id):
        j = self._j()[job_id]
        if j["state"] != "queued":
            return False
        j.update(state="running", worker_id=worker_id, attempts=j["attempts"] + 1)
        return True

    def unassign_job(self, job_id, worker_id):
        j = self._j()[job_id]
        if j["state"] != "running" or j["worker_id"] != worker_id:
            return False
        j.update(state="queued", worker_id=None, attempts=j["attempts"] - 1)
        return True

    def finish_job(self, job_id, worker_id, ok, result):
        j = self._j()[job_id]
        if j["state"] not in ("running", "queued"):
            return False
        j.update(state="done" if ok else "failed", worker_id=worker_id, result=result)
        return True

    def requeue_job(self, job_id, worker_id):
        j = self._j()[job_id]
        if j["state"] != "running" or j["worker_id"] != worker_id:
            return False
        j.update(state="queued", worker_id=None)
        return True


def start(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class ServicesTest(unittest.TestCase):
    def setUp(self):
        log = logging.getLogger("test")
        self.db = FakeDb()
        self.shared = tempfile.mkdtemp(prefix="ktrdr-shared-")
        self.app = backend.Backend({"DB_PASSWORD": "s3cret-db", "SHARED_MOUNT_PATH": self.shared}, self.db, log)
        self.bsrv, self.burl = start(backend.make_handler(self.app))
        self.servers = [self.bsrv]
        self.wapp = self.worker("w1")

    def worker(self, worker_id):
        app = worker.Worker({"WORKER_ID": worker_id, "BACKEND_BASE_URL": self.burl, "WORKER_PUBLIC_BASE_URL": "",
                             "BROKER_API_KEY": "k", "SHARED_MOUNT_PATH": self.shared}, logging.getLogger("test"))
        srv, url = start(worker.make_handler(app))
        self.servers.append(srv)
        app.cfg["WORKER_PUBLIC_BASE_URL"] = url
        app.register_once()
        return app

    def tearDown(self):
        for s in self.servers:
            s.shutdown()
            s.server_close()

    def job(self, name="train", duration=0.3):
        status, body = call_json("POST", self.burl + "/jobs", {"name": name, "duration": duration})
        self.assertEqual(status, 201, body)
        return body["job_id"]

    def state(self, job_id):
        return call_json("GET", f"{self.burl}/jobs/{job_id}")[1]

    def until(self, what, timeout=5.0):
        deadline = time.monotonic() + timeout
        while not what():
            self.assertLess(time.monotonic(), deadline, "timed out")
            time.sleep(0.05)

    def test_a_job_runs_on_an_idle_worker_and_writes_its_result_once(self):
        jid = self.job(duration=0.3)
        self.assertEqual(self.state(jid)["state"], "queued")
        self.app.poll_round()
        self.assertEqual((self.state(jid)["state"], self.state(jid)["worker_id"]), ("running", "w1"))
        status = call_json("GET", self.wapp.cfg["WORKER_PUBLIC_BASE_URL"] + "/status")[1]
        self.assertEqual((status["state"], status["job_id"], status["draining"]), ("busy", jid, False))
        self.until(lambda: self.state(jid)["state"] == "done")  # the worker's own report
        with open(jobs.result_path(self.shared, jid)) as f:
            result = json.load(f)
        self.assertEqual((result["job_id"], result["worker_id"], result["duration"]), (jid, "w1", 0.3))
        with open(os.path.join(jobs.job_dir(self.shared, jid), "progress.json")) as f:
            self.assertEqual(json.load(f)["progress"], 1.0)
        # Run again (a re-queued job whose first run had finished): the result stays the first one.
        self.assertEqual(jobs.run(self.shared, {"job_id": jid, "name": "train", "duration": 0.1}, "w2"), "existed")
        with open(jobs.result_path(self.shared, jid)) as f:
            self.assertEqual(json.load(f)["worker_id"], "w1")

    def test_a_busy_or_draining_worker_takes_no_job(self):
        url = self.wapp.cfg["WORKER_PUBLIC_BASE_URL"]
        self.assertEqual(call_json("POST", url + "/drain")[1]["draining"], True)
        jid = self.job()
        self.app.poll_round()
        self.assertEqual(self.state(jid)["state"], "queued")
        self.assertEqual(call_json("POST", url + "/jobs", {"job_id": "x1", "name": "n", "duration": 1})[0], 409)
        self.assertEqual(call_json("POST", url + "/resume")[1]["draining"], False)
        self.app.poll_round()
        self.assertEqual(self.state(jid)["state"], "running")
        self.assertEqual(call_json("POST", url + "/jobs", {"job_id": "x2", "name": "n", "duration": 1})[0], 409)

    def test_draining_finishes_the_running_job(self):
        jid = self.job(duration=0.4)
        self.app.poll_round()
        t0 = time.monotonic()
        self.wapp.drain_and_wait()  # what SIGTERM runs before the server stops
        self.assertGreater(time.monotonic() - t0, 0.2)
        self.assertTrue(os.path.exists(jobs.result_path(self.shared, jid)))
        self.assertEqual(self.state(jid)["state"], "done")

    def test_a_job_whose_worker_was_replaced_is_queued_again_and_run_by_another(self):
        jid = self.job(duration=30)
        self.app.poll_round()
        self.assertEqual(self.state(jid)["worker_id"], "w1")
        # w1 replaced mid-job (FORCE): a new process under the same id and URL knows nothing of the job.
        # Kept draining, so that the job goes to w2.
        fresh = worker.Worker(dict(self.wapp.cfg), logging.getLogger("test"))
        fresh.draining = True
        self.wapp.status = fresh.status
        w2 = self.worker("w2")
        self.app.poll_round()
        job = self.state(jid)
        self.assertEqual((job["state"], job["worker_id"], job["attempts"]), ("running", "w2", 2))
        self.assertEqual(w2.status()["job_id"], jid)

    def test_a_finished_job_seen_in_a_poll_is_done_even_when_its_report_was_lost(self):
        jid = self.job(duration=0.1)
        self.wapp.cfg["BACKEND_BASE_URL"] = "http://127.0.0.1:9"  # the backend is away when the job ends
        self.app.poll_round()
        self.until(lambda: self.wapp.status()["state"] == "idle")
        self.assertEqual(self.state(jid)["state"], "running")
        self.app.poll_round()
        self.assertEqual(self.state(jid)["state"], "done")

    def test_bad_jobs_refused(self):
        for body in ({"name": "x"}, {"name": "", "duration": 1}, {"name": "x", "duration": -1},
                     {"name": "x", "duration": True}, {"name": "x", "duration": 1, "job_id": "../etc"}):
            self.assertEqual(call_json("POST", self.burl + "/jobs", body)[0], 400, body)
        self.assertEqual(call_json("GET", self.burl + "/jobs/nope")[0], 404)

    def test_register_poll_list(self):
        self.assertTrue(self.wapp.register_once())
        self.app.poll_one(self.db.list_workers()[0])
        status, body = call_json("GET", self.burl + "/workers")
        self.assertEqual((status, body[0]["worker_id"], body[0]["status"]), (200, "w1", "ok"))
        with urllib.request.urlopen(self.burl + "/metrics") as resp:
            self.assertIn("ktrdr_workers_registered 1", resp.read().decode())

    def test_health_503_when_db_down_without_leaking_password(self):
        self.db.up = False
        status, body = call_json("GET", self.burl + "/health")
        self.assertEqual(status, 503)
        self.assertNotIn("s3cret", json.dumps(body))
        self.assertFalse(self.wapp.register_once())

    def test_bad_registration(self):
        status, _ = call_json("POST", self.burl + "/workers/register", {"worker_id": "x"})
        self.assertEqual(status, 400)

    def test_unreachable_worker(self):
        self.db.upsert_worker("gone", "http://127.0.0.1:9")
        self.app.poll_one(next(w for w in self.db.list_workers() if w["worker_id"] == "gone"))
        self.assertEqual(self.db.rows["gone"]["status"], "unreachable")


if __name__ == "__main__":
    unittest.main()
