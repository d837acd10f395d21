"""A worker's job: a stand-in for a training or backtest run that takes `duration` seconds, writing its progress
and, once, its result under $SHARED_MOUNT_PATH/results/<job_id>/ (design §7.4: results are expensive to
recompute, so a job re-run after its worker vanished never writes a second result).

progress.json is replaced as the job goes (write to a temporary name, rename); result.json is made with a hard
link from a temporary file, which fails when a result is already there: the first run to finish wins.
"""

import json
import os
import time

STEP = 0.5  # seconds between progress writes


def job_dir(shared, job_id):
    return os.path.join(shared, "results", job_id)


def result_path(shared, job_id):
    return os.path.join(job_dir(shared, job_id), "result.json")


def _write_atomic(path, doc):
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _write_once(path, doc):
    """True when this call wrote the result; False when one was already there (kept as it is)."""
    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(tmp)


def valid_job_id(job_id):
    return isinstance(job_id, str) and 0 < len(job_id) <= 64 and all(c.isalnum() or c in "-_" for c in job_id)


def run(shared, job, worker_id, clock=time.monotonic, sleep=time.sleep):
    """Run `job` ({job_id, name, duration, attempt}); returns 'written' or 'existed' (a result was there)."""
    job_id, duration = job["job_id"], float(job["duration"])
    directory = job_dir(shared, job_id)
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(result_path(shared, job_id)):
        return "existed"
    started = time.time()
    t0 = clock()
    while True:
        done = min(clock() - t0, duration)
        _write_atomic(os.path.join(directory, "progress.json"),
                      {"job_id": job_id, "worker_id": worker_id, "attempt": job.get("attempt", 1),
                       "progress": round(done / duration, 3) if duration > 0 else 1.0})
        if done >= duration:
            break
        sleep(min(STEP, duration - done))
    result = {"job_id": job_id, "name": job["name"], "duration": duration, "worker_id": worker_id,
              "attempt": job.get("attempt", 1), "started": started, "finished": time.time()}
    return "written" if _write_once(result_path(shared, job_id), result) else "existed"
