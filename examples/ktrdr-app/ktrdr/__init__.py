"""Sample KTRDR app used to exercise ktrdr-ops: a backend and a worker that honour the env contract."""

__version__ = "0.1.0"
