"""The breaker: when a provider fails call after call, stop calling it.

Without it a run against a provider that answers every request with a 500 (or is not
there at all) would make thousands of calls, record every message as failed and end
``succeeded``. The call runner tells the breaker how each call ended, after its retries;
the breaker trips when

- the first ``first_calls`` calls of the run all failed (``LLM_FAIL_FAST_CALLS``), or
- more than ``max_share`` of the last ``window`` calls failed (``LLM_MAX_FAILURE_SHARE``
  of ``LLM_FAILURE_WINDOW``; counted against the whole window, so a run trips at the same
  number of failures whether or not it has made ``window`` calls yet), or
- a connection is refused (or the host unknown) before the provider answered once.

Once tripped, every call raises ``ProviderFailingError`` with one line naming the last
error, and none is made. A bad key is not counted: it stops a run by itself. A call whose
answer does not fit the schema counts as failed (a provider answering only garbage is
failing too), though the provider did answer: a refused connection later is retried.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from tg_parser.config import Settings
from tg_parser.errors import ProviderError, ProviderFailingError, ProviderUnreachableError


@dataclass
class FailureBreaker:
    """How the calls of one run ended, and whether (and why) to stop calling."""

    first_calls: int = 20
    window: int = 100
    max_share: float = 0.5
    answered: bool = False  # some call of the run got an answer, usable or not
    succeeded_once: bool = False  # some call of the run got a usable answer
    failed_first: int = 0  # calls failed before any succeeded
    recent: deque[bool] = field(init=False)  # the last ``window`` calls: True = failed
    reason: str | None = None  # why it tripped (None: it has not)

    def __post_init__(self) -> None:
        self.recent = deque(maxlen=self.window)

    @classmethod
    def from_settings(cls, settings: Settings) -> FailureBreaker:
        return cls(
            first_calls=settings.llm_fail_fast_calls,
            window=settings.llm_failure_window,
            max_share=settings.llm_max_failure_share,
        )

    def check(self) -> None:
        """Raise ``ProviderFailingError`` when tripped: the call must not be made."""
        if self.reason is not None:
            raise ProviderFailingError(self.reason)

    def reached(self) -> None:
        """The provider answered a call (whether the answer is usable is told next)."""
        self.answered = True

    def succeeded(self) -> None:
        self.answered = self.succeeded_once = True
        self.recent.append(False)

    def failed(self, error: ProviderError) -> bool:
        """Count a failed call; whether the breaker is (now) tripped."""
        self.recent.append(True)
        if not self.succeeded_once:
            self.failed_first += 1
        if self.reason is None:
            self.reason = self._trip_reason(error)
        return self.reason is not None

    def _trip_reason(self, error: ProviderError) -> str | None:
        if isinstance(error, ProviderUnreachableError) and not self.answered:
            return str(error)
        if not self.succeeded_once and 0 < self.first_calls <= self.failed_first:
            return (
                f"The first {self.failed_first} model calls all failed, so tg-parser stopped "
                f"calling the model; last error: {error}"
            )
        failures = sum(self.recent)
        if failures > self.max_share * self.window:
            return (
                f"{failures} of the last {len(self.recent)} model calls failed (more than "
                f"LLM_MAX_FAILURE_SHARE={self.max_share:g} of LLM_FAILURE_WINDOW="
                f"{self.window}), so tg-parser stopped calling the model; last error: {error}"
            )
        return None
