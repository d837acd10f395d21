"""PostgreSQL access for the backend (psycopg 3; in the images it comes from Debian's python3-psycopg)."""

import threading

import psycopg

SCHEMA = """
CREATE TABLE IF NOT EXISTS workers (
    worker_id     TEXT PRIMARY KEY,
    url           TEXT NOT NULL,
    registered_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen     TIMESTAMPTZ,
    status        TEXT NOT NULL DEFAULT 'unknown'
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    duration    DOUBLE PRECISION NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued',
    worker_id   TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ,
    result      TEXT
)
"""

COLUMNS = ("worker_id", "url", "registered_at", "last_seen", "status")
JOB_COLUMNS = ("job_id", "name", "duration", "state", "worker_id", "attempts", "created_at", "started_at",
               "finished_at", "result")


def _row(columns, row):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(columns, row)}


class Database:
    def __init__(self, cfg, connect_timeout=3):
        self._params = dict(host=cfg["DB_HOST"], port=cfg["DB_PORT"], dbname=cfg["DB_NAME"],
                            user=cfg["DB_USER"], password=cfg["DB_PASSWORD"],
                            connect_timeout=connect_timeout, application_name="ktrdr-backend")
        self.schema_ready = False
        self._schema_lock = threading.Lock()

    def connect(self):
        return psycopg.connect(**self._params, autocommit=True)

    def ensure_schema(self):
        if self.schema_ready:
            return
        with self._schema_lock:  # concurrent CREATE TABLE IF NOT EXISTS can still collide
            if not self.schema_ready:
                with self.connect() as conn:
                    conn.execute(SCHEMA)
                self.schema_ready = True

    def ping(self):
        self.ensure_schema()
        with self.connect() as conn:
            conn.execute("SELECT 1").fetchone()

    def upsert_worker(self, worker_id, url):
        self.ensure_schema()
        with self.connect() as conn:
            conn.execute(
                """INSERT INTO workers (worker_id, url, last_seen) VALUES (%s, %s, now())
                   ON CONFLICT (worker_id) DO UPDATE SET url = EXCLUDED.url, last_seen = now()""",
                (worker_id, url),
            )

    def list_workers(self):
        self.ensure_schema()
        with self.connect() as conn:
            rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM workers ORDER BY worker_id").fetchall()
        return [_row(COLUMNS, row) for row in rows]

    def record_poll(self, worker_id, ok):
        with self.connect() as conn:
            if ok:
                conn.execute("UPDATE workers SET status = 'ok', last_seen = now() WHERE worker_id = %s", (worker_id,))
            else:
                conn.execute("UPDATE workers SET status = 'unreachable' WHERE worker_id = %s", (worker_id,))

    # Jobs (design §7.4): queued -> running (on one worker) -> done | failed; a running job whose worker lost it
    # goes back to queued. Every change is one conditional UPDATE, so two backends (or a poll racing a report)
    # cannot both move a job.
    def _jobs(self, sql, args=()):
        self.ensure_schema()
        with self.connect() as conn:
            return [_row(JOB_COLUMNS, r) for r in conn.execute(sql, args).fetchall()]

    def create_job(self, job_id, name, duration):
        return self._jobs(f"INSERT INTO jobs (job_id, name, duration) VALUES (%s, %s, %s) RETURNING "
                          f"{', '.join(JOB_COLUMNS)}", (job_id, name, duration))[0]

    def list_jobs(self, state=None):
        where, args = ("WHERE state = %s", (state,)) if state else ("", ())
        return self._jobs(f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs {where} ORDER BY created_at, job_id", args)

    def get_job(self, job_id):
        rows = self._jobs(f"SELECT {', '.join(JOB_COLUMNS)} FROM jobs WHERE job_id = %s", (job_id,))
        return rows[0] if rows else None

    def assign_job(self, job_id, worker_id):
        return bool(self._jobs(
            "UPDATE jobs SET state = 'running', worker_id = %s, attempts = attempts + 1, started_at = now() "
            f"WHERE job_id = %s AND state = 'queued' RETURNING {', '.join(JOB_COLUMNS)}", (worker_id, job_id)))

    def unassign_job(self, job_id, worker_id):
        """The worker refused it after all (it started draining): queued again, the attempt not counted."""
        return bool(self._jobs(
            "UPDATE jobs SET state = 'queued', worker_id = NULL, attempts = attempts - 1, started_at = NULL "
            f"WHERE job_id = %s AND state = 'running' AND worker_id = %s RETURNING job_id", (job_id, worker_id)))

    def finish_job(self, job_id, worker_id, ok, result):
        return bool(self._jobs(
            "UPDATE jobs SET state = %s, finished_at = now(), result = %s, worker_id = %s "
            "WHERE job_id = %s AND state IN ('running', 'queued') RETURNING job_id",
            ("done" if ok else "failed", result, worker_id, job_id)))

    def requeue_job(self, job_id, worker_id):
        return bool(self._jobs(
            "UPDATE jobs SET state = 'queued', worker_id = NULL "
            "WHERE job_id = %s AND state = 'running' AND worker_id = %s RETURNING job_id", (job_id, worker_id)))
