"""Runs executed in the background: the queue interface and its in-process backend, the
request a queued run carries, the job that executes it, its webhook, and uploads.

``RunQueue`` (``queue.py``) is what the API talks to; ``InProcessQueue`` executes runs as
tasks of ``serve``, ``WorkerQueue`` (``workers.py``) defers them to procrastinate workers,
which spread a `process` run over batches (``batches.py``); ``backend.py`` chooses.
Whatever the backend, a run is submitted (``submit.py``: recorded
``queued`` with its claims) and executed by id (``execute.py``: the stage through the
services the CLI calls, ``stages.py``), its progress written as it goes (``progress.py``)
and its summary posted to its webhook when it ends (``webhooks.py``, ``views.py``).
"""

from tg_parser.jobs.backend import require_postgres, run_queue, uses_workers, worker_queue
from tg_parser.jobs.execute import announce, execute_run
from tg_parser.jobs.queue import InProcessQueue, RunQueue
from tg_parser.jobs.request import RunRequest, Stage, UploadedExport
from tg_parser.jobs.submit import submit_run
from tg_parser.jobs.uploads import UploadTooLargeError, receive_export
from tg_parser.jobs.views import RunView, run_view
from tg_parser.jobs.webhooks import WebhookRefusedError, checked_address, new_secret, signature

__all__ = [
    "InProcessQueue",
    "RunQueue",
    "RunRequest",
    "RunView",
    "Stage",
    "UploadTooLargeError",
    "UploadedExport",
    "WebhookRefusedError",
    "announce",
    "checked_address",
    "execute_run",
    "new_secret",
    "receive_export",
    "require_postgres",
    "run_queue",
    "run_view",
    "signature",
    "submit_run",
    "uses_workers",
    "worker_queue",
]
