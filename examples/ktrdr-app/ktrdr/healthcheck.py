"""Container HEALTHCHECK without curl: python -m ktrdr.healthcheck backend|worker -> exit 0 if /health is 200."""

import os
import sys
import urllib.request


def main():
    service = sys.argv[1] if len(sys.argv) > 1 else "backend"
    port = (os.environ.get("BACKEND_PORT") or "8000") if service == "backend" else os.environ.get("WORKER_PORT", "")
    bind = os.environ.get("BIND_ADDRESS", "")
    host = "127.0.0.1" if bind in ("", "0.0.0.0", "::") else bind
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=4) as resp:
            sys.exit(0 if resp.status == 200 else 1)
    except Exception as exc:  # noqa: BLE001 - HTTPError (503), refused, timeout: all unhealthy
        print(f"unhealthy: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
