"""Processing: raw messages into ProcessedDocuments through an analyser (offline or a model).

Only messages without a document, or whose text or pipeline version changed since, are
processed (all of them with ``force``). Per channel, the boilerplate (repeated signatures
and footers) is learnt once from the channel's posts; a comment is analysed with its
post's text as context. Messages go through the analyser concurrently (bounded by a
semaphore) and are saved in batches, one transaction per batch, so an interrupted run
keeps what it saved and a re-run continues; a stopped run (Ctrl-C, SIGTERM) first saves,
once, every answer it received, so only the calls in flight are asked again. A message
that fails is recorded in ``processing_failures`` and never stops the run; a later
success clears its record — unless the provider itself is failing (the call runner's
breaker): then the messages in flight finish, what they answered is saved, and the run
stops ``failed``.
Every run is a run (stage ``process``) with counters processed / noise / failed / skipped;
its report also breaks the noise down by kind (advertising, greetings, one-liners, …).

``options`` holds what a run is asked to do, ``service`` plans and runs it, ``window``
analyses and saves one window of a channel's messages.
"""

from tg_parser.process.options import PIPELINE_VERSION, ProcessOptions
from tg_parser.process.service import ProcessReport, pending_work, process_batch, process_messages

__all__ = [
    "PIPELINE_VERSION",
    "ProcessOptions",
    "ProcessReport",
    "pending_work",
    "process_batch",
    "process_messages",
]
