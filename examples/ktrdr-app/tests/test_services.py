"""Backend + worker handlers wired together in-process, with an in-memory stand-in for the DB."""

import json
import logging
import threading
import unittest
import urllib.request
from http.server import ThreadingHTTPServer

from ktrdr import backend, worker
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


def start(handler):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class ServicesTest(unittest.TestCase):
    def setUp(self):
        log = logging.getLogger("test")
        self.db = FakeDb()
        self.app = backend.Backend({"DB_PASSWORD": "s3cret-db"}, self.db, log)
        self.bsrv, self.burl = start(backend.make_handler(self.app))
        self.wapp = worker.Worker({"WORKER_ID": "w1", "BACKEND_BASE_URL": self.burl,
                                   "WORKER_PUBLIC_BASE_URL": "", "BROKER_API_KEY": "k"}, log)
        self.wsrv, wurl = start(worker.make_handler(self.wapp))
        self.wapp.cfg["WORKER_PUBLIC_BASE_URL"] = wurl

    def tearDown(self):
        for s in (self.bsrv, self.wsrv):
            s.shutdown()
            s.server_close()

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
        self.app.poll_one(self.db.list_workers()[0])
        self.assertEqual(self.db.rows["gone"]["status"], "unreachable")


if __name__ == "__main__":
    unittest.main()
