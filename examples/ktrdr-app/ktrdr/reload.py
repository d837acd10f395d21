"""Hot reload for development (design §5.4): run a module as a child process and start it again whenever a
.py file under the package changes. The real KTRDR gets the same from `uvicorn --reload`; the module run is
the one image mode runs (`python -m ktrdr.backend`), so the two modes never diverge.

Run: KTRDR_RELOAD=1 python3 -m ktrdr.backend   (the backend hands itself to this when KTRDR_RELOAD=1)
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

POLL = 0.5  # seconds between scans of the package's files


def snapshot(root):
    # An editor's lock file (.#x.py, a dangling symlink) or a file deleted mid-scan is not a crash.
    seen = {}
    for p in Path(root).rglob("*.py"):
        try:
            seen[p] = p.stat().st_mtime_ns
        except OSError:
            pass
    return seen


def run(module):
    root = Path(__file__).resolve().parent
    env = {k: v for k, v in os.environ.items() if k != "KTRDR_RELOAD"}
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    while True:
        seen = snapshot(root)
        print(f"reload: starting python -m {module} (watching {root})", file=sys.stderr, flush=True)
        child = subprocess.Popen([sys.executable, "-m", module], env=env)
        while child.poll() is None and not stopping and snapshot(root) == seen:
            time.sleep(POLL)
        if child.poll() is None:
            child.terminate()
            child.wait(timeout=10)
        if stopping:
            return child.returncode or 0
        if snapshot(root) == seen:  # it exited on its own: wait for a change before starting it again
            print(f"reload: python -m {module} exited ({child.returncode}); waiting for a change", file=sys.stderr,
                  flush=True)
            while snapshot(root) == seen and not stopping:
                time.sleep(POLL)
        print("reload: a file changed, restarting", file=sys.stderr, flush=True)
