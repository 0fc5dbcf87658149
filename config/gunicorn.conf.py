"""gunicorn settings for `registry serve` and production.

Every value can be overridden on the command line or with GUNICORN_CMD_ARGS."""

import gc
import multiprocessing
import os

bind = os.environ.get("REGISTRY_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("REGISTRY_WEB_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
keepalive = 5
timeout = 30
graceful_timeout = 20
accesslog = os.environ.get("REGISTRY_ACCESS_LOG") or None
errorlog = "-"
loglevel = "info"
# Two instances (a server and a benchmark, say) must not fight over one socket in $HOME.
control_socket_disable = True
# The longest request line gunicorn takes (its maximum); longer ones get its own HTML 414.
limit_request_line = 8190


def post_worker_init(worker):  # type: ignore[no-untyped-def]
    """Leave the loaded app out of the garbage collector's full passes.

    Everything the worker built while loading the app (models, schemas, templates, the adequacy
    data) lives as long as the worker; without this each full collection walks all of it again,
    which costs a busy worker more than the requests themselves allocate.
    """
    gc.collect()
    gc.freeze()
