import os
import subprocess
import sys
import unittest
from pathlib import Path

from ktrdr import config

APP = Path(__file__).resolve().parents[1]

BACKEND_ENV = {"DB_HOST": "db", "DB_PORT": "5432", "DB_NAME": "ktrdr", "DB_USER": "ktrdr",
               "DB_PASSWORD": "s3cret-db", "JWT_SECRET": "s3cret-jwt", "SHARED_MOUNT_PATH": "/mnt/shared"}
WORKER_ENV = {"BACKEND_BASE_URL": "http://backend:8000/", "WORKER_PUBLIC_BASE_URL": "http://ktrdr-workers-b.internal:9000",
              "WORKER_PORT": "9000", "SHARED_MOUNT_PATH": "/mnt/shared", "BROKER_API_KEY": "s3cret-broker"}


def run_module(module, env):
    base = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(APP)}
    return subprocess.run([sys.executable, "-m", module], env={**base, **env}, capture_output=True,
                          text=True, timeout=20)


class ConfigTest(unittest.TestCase):
    def test_backend_defaults(self):
        cfg = config.load("backend", BACKEND_ENV)
        self.assertEqual((cfg["PORT"], cfg["DB_PORT"], cfg["BIND_ADDRESS"]), (8000, 5432, "0.0.0.0"))

    def test_worker_id_and_urls(self):
        cfg = config.load("worker", WORKER_ENV)
        self.assertEqual(cfg["WORKER_ID"], "ktrdr-workers-b.internal-9000")
        self.assertEqual(cfg["BACKEND_BASE_URL"], "http://backend:8000")
        self.assertEqual(config.load("worker", {**WORKER_ENV, "WORKER_ID": "w1"})["WORKER_ID"], "w1")

    def test_empty_counts_as_missing(self):
        with self.assertRaises(config.ConfigError) as ctx:
            config.load("backend", {**BACKEND_ENV, "DB_HOST": " ", "JWT_SECRET": ""})
        self.assertIn("DB_HOST, JWT_SECRET", str(ctx.exception))

    def test_bad_port_and_url(self):
        with self.assertRaises(config.ConfigError):
            config.load("worker", {**WORKER_ENV, "WORKER_PORT": "nine"})
        with self.assertRaises(config.ConfigError):
            config.load("worker", {**WORKER_ENV, "BACKEND_BASE_URL": "backend:8000"})

    def test_summary_and_redact_hide_secrets(self):
        cfg = config.load("backend", BACKEND_ENV)
        self.assertNotIn("s3cret", config.public_summary(cfg))
        self.assertEqual(config.redact("pw=s3cret-db jwt=s3cret-jwt", cfg), "pw=*** jwt=***")


class ExitCodeTest(unittest.TestCase):
    def test_backend_lists_every_missing_var_and_exits_2(self):
        env = {k: v for k, v in BACKEND_ENV.items() if k not in ("DB_HOST", "JWT_SECRET")}
        proc = run_module("ktrdr.backend", env)
        self.assertEqual(proc.returncode, 2)
        self.assertEqual(proc.stderr.strip().splitlines(), [
            "ktrdr backend: missing required environment variables: DB_HOST, JWT_SECRET"
            " — set them in the deploy config (ktrdr-ops) or .env.dev"])
        self.assertNotIn("s3cret", proc.stderr + proc.stdout)

    def test_worker_with_nothing_set(self):
        proc = run_module("ktrdr.worker", {})
        self.assertEqual(proc.returncode, 2)
        for name in config.WORKER_REQUIRED:
            self.assertIn(name, proc.stderr)


if __name__ == "__main__":
    unittest.main()
