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
)
"""

COLUMNS = ("worker_id", "url", "registered_at", "last_seen", "status")


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
        return [
            {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(COLUMNS, row)}
            for row in rows
        ]

    def record_poll(self, worker_id, ok):
        with self.connect() as conn:
            if ok:
                conn.execute("UPDATE workers SET status = 'ok', last_seen = now() WHERE worker_id = %s", (worker_id,))
            else:
                conn.execute("UPDATE workers SET status = 'unreachable' WHERE worker_id = %s", (worker_id,))
