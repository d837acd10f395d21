"""The env-var contract (design §3.2): every required variable must be set explicitly, never guessed."""

import logging
import os
import sys
from urllib.parse import urlsplit

SECRET_VARS = ("DB_PASSWORD", "JWT_SECRET", "BROKER_API_KEY")

BACKEND_REQUIRED = ("DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_PASSWORD", "JWT_SECRET", "SHARED_MOUNT_PATH")
WORKER_REQUIRED = ("BACKEND_BASE_URL", "WORKER_PUBLIC_BASE_URL", "WORKER_PORT", "SHARED_MOUNT_PATH", "BROKER_API_KEY")

OPTIONAL_DEFAULTS = {"LOG_LEVEL": "INFO", "BIND_ADDRESS": "0.0.0.0"}  # plus BACKEND_PORT=8000 for the backend


class ConfigError(Exception):
    pass


def missing_vars(required, environ=None):
    env = os.environ if environ is None else environ
    return [name for name in required if not env.get(name, "").strip()]


def _port(cfg, name):
    try:
        port = int(cfg[name])
    except ValueError:
        raise ConfigError(f"{name} must be a port number, got {cfg[name]!r}") from None
    if not 0 < port < 65536:
        raise ConfigError(f"{name} must be between 1 and 65535, got {port}")
    return port


def _url(cfg, name):
    url = cfg[name].rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an absolute http(s) URL such as http://host:port, got {url!r}")
    return url


def derive_worker_id(public_url):
    """Stable id from the public URL: http://ktrdr-workers-b.internal:9000 -> ktrdr-workers-b.internal-9000."""
    parts = urlsplit(public_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return f"{parts.hostname}-{port}"


def load(service, environ=None):
    """Return the validated config for 'backend' or 'worker'. Raises ConfigError (message is safe to print)."""
    env = dict(os.environ if environ is None else environ)
    required = BACKEND_REQUIRED if service == "backend" else WORKER_REQUIRED
    missing = missing_vars(required, env)
    if missing:
        raise ConfigError(
            f"ktrdr {service}: missing required environment variables: {', '.join(missing)}"
            " — set them in the deploy config (ktrdr-ops) or .env.dev"
        )
    cfg = {name: env[name].strip() for name in required}
    defaults = dict(OPTIONAL_DEFAULTS, **({"BACKEND_PORT": "8000"} if service == "backend" else {}))
    for name, default in defaults.items():
        cfg[name] = env.get(name, "").strip() or default
    try:
        if service == "backend":
            cfg["DB_PORT"] = _port(cfg, "DB_PORT")
            cfg["PORT"] = _port(cfg, "BACKEND_PORT")
        else:
            cfg["PORT"] = _port(cfg, "WORKER_PORT")
            cfg["BACKEND_BASE_URL"] = _url(cfg, "BACKEND_BASE_URL")
            cfg["WORKER_PUBLIC_BASE_URL"] = _url(cfg, "WORKER_PUBLIC_BASE_URL")
            cfg["WORKER_ID"] = env.get("WORKER_ID", "").strip() or derive_worker_id(cfg["WORKER_PUBLIC_BASE_URL"])
    except ConfigError as exc:
        raise ConfigError(f"ktrdr {service}: {exc}") from None
    return cfg


def load_or_exit(service):
    try:
        return load(service)
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        sys.exit(2)


def redact(text, cfg):
    """Replace any secret value that might appear in text (e.g. an error message) with ***."""
    text = str(text)
    for name in SECRET_VARS:
        value = cfg.get(name)
        if value:
            text = text.replace(value, "***")
    return text


def public_summary(cfg):
    """Non-secret settings, for the start-up log line."""
    return " ".join(f"{k}={v}" for k, v in sorted(cfg.items()) if k not in SECRET_VARS)


def setup_logging(cfg, service):
    level = getattr(logging, str(cfg.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    logging.basicConfig(level=level, stream=sys.stderr,
                        format=f"%(asctime)s %(levelname)s ktrdr.{service} %(message)s")
    return logging.getLogger(f"ktrdr.{service}")


def check_shared_mount(cfg, log):
    path = cfg["SHARED_MOUNT_PATH"]
    if not os.path.isdir(path):
        log.warning("SHARED_MOUNT_PATH %s is not a directory (is the shared volume mounted?)", path)
