"""The one exception tree of tg-parser.

Every error a user can cause or fix is a ``TgParserError``; its message is one line that
says what is wrong and what to do. Each class knows its CLI exit code and HTTP status.

    TgParserError                  exit 1, HTTP 500
    ├── ConfigError                exit 2, HTTP 500   bad setting or missing credential
    │   └── SessionBusyError       exit 2, HTTP 409   another process holds the Telegram session
    ├── InputError                 exit 2, HTTP 400   bad user input (arguments, files)
    │   ├── ExportFormatError      exit 2, HTTP 400   a file that is not a readable export
    │   └── ChatNotFoundError      exit 2, HTTP 404   --chat names no chat in the export
    ├── NotFoundError              exit 3, HTTP 404   an unknown source, run or topic
    ├── StorageError               exit 4, HTTP 503   the database cannot be reached or used
    │   ├── SchemaOutdatedError    exit 4, HTTP 503   the database needs `tg-parser db upgrade`
    │   ├── ConnectionLostError    exit 4, HTTP 503   the server closed the connection mid-work
    │   └── VerificationError      exit 4, HTTP 503   a copied database does not equal its source
    ├── RunInProgressError         exit 7, HTTP 409   another run is doing this work right now
    ├── NotReadyError              exit 4, HTTP 503   the service cannot take work now (readiness)
    ├── AuthError                  exit 2, HTTP 401   no API key, or one that is wrong,
    │   │                                             revoked or expired
    │   └── ForbiddenError         exit 2, HTTP 403   the key's scope does not allow this
    ├── SourceError                exit 5, HTTP 502   collecting from Telegram failed
    │   ├── SourceUnavailableError exit 5, HTTP 502   permanent: no access, no such channel,
    │   │                                             no public preview, not authorised
    │   └── RetryableSourceError   exit 5, HTTP 503   temporary: network, timeout, server error
    │       └── RateLimitedError   exit 5, HTTP 429   Telegram asks to wait (FloodWait, 429)
    └── ProviderError              exit 6, HTTP 502   a model provider (LLM) call failed
        ├── ProviderAuthError      exit 6, HTTP 502   missing, invalid or unauthorised key:
        │                                             stops the run at once
        ├── ProviderRequestError   exit 6, HTTP 502   the provider refused the request (4xx)
        ├── ProviderOutputError    exit 6, HTTP 502   the answer is not JSON of the schema
        ├── ProviderFailingError   exit 6, HTTP 502   too many calls failed, or nothing listens
        │                                             at the address: the run stops
        └── RetryableProviderError exit 6, HTTP 503   timeout, connection error, 429, 5xx,
            │                                         overloaded (``retry_after`` if given)
            └── ProviderUnreachableError              nothing listens at the provider's
                                                      address (refused, unknown host)
"""

from __future__ import annotations


class TgParserError(Exception):
    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ConfigError(TgParserError):
    exit_code = 2


class InputError(TgParserError):
    exit_code = 2
    http_status = 400


class ExportFormatError(InputError):
    pass


class ChatNotFoundError(InputError):
    http_status = 404


class NotFoundError(TgParserError):
    exit_code = 3
    http_status = 404


class StorageError(TgParserError):
    exit_code = 4
    http_status = 503


class ConnectionLostError(StorageError):
    """The database server closed a connection while it was in use (a restart, a failover,
    ``pg_terminate_backend``): that transaction was rolled back, the connection replaced."""


class SchemaOutdatedError(StorageError):
    pass


class VerificationError(StorageError):
    """`db migrate` compared the copy with its source and a table differs."""


class RunInProgressError(TgParserError):
    """Another run of the same stage holds the channel (its claim); this one did nothing.
    ``holder``: that run's id, when known."""

    exit_code = 7
    http_status = 409

    def __init__(self, message: str, holder: str | None = None) -> None:
        super().__init__(message)
        self.holder = holder


class NotReadyError(TgParserError):
    """The service is up but cannot take work: its database, schema or run queue is not ready."""

    exit_code = 4
    http_status = 503


class AuthError(TgParserError):
    """The request carries no valid API key (missing, wrong, revoked or expired)."""

    exit_code = 2
    http_status = 401


class ForbiddenError(AuthError):
    """The key is valid but its scope does not allow the request."""

    http_status = 403


class SessionBusyError(ConfigError):
    http_status = 409


class SourceError(TgParserError):
    """Collecting from a channel failed; ``retryable`` says whether trying later may help."""

    exit_code = 5
    http_status = 502
    retryable = False


class SourceUnavailableError(SourceError):
    """Retrying will not help until the user acts (the source goes to status ``error``)."""


class RetryableSourceError(SourceError):
    http_status = 503
    retryable = True


class RateLimitedError(RetryableSourceError):
    """Telegram asked to wait ``seconds`` before the next request."""

    http_status = 429

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class ProviderError(TgParserError):
    """A call to a model provider failed; ``retryable`` says whether trying again may help."""

    exit_code = 6
    http_status = 502
    retryable = False
    attempts = 1  # calls made before giving up (set by the retry layer)


class ProviderAuthError(ProviderError):
    """The key is missing, invalid or not allowed: every further call would fail too."""


class ProviderRequestError(ProviderError):
    """The provider refused the request itself (a 4xx other than 401/403/429)."""


class ProviderOutputError(ProviderError):
    """The answer is not valid JSON of the expected schema (truncated, garbage, refused)."""


class ProviderFailingError(ProviderError):
    """The provider fails call after call (the first calls of a run all failed, or too
    large a share of the recent ones), or nothing listens at its address: every further
    call would most likely fail too, so none is made and the run stops.

    ``failed_call`` is the error of the call that raised this, when that call was made and
    failed itself (None: the call was not made).
    """

    def __init__(self, message: str, failed_call: ProviderError | None = None) -> None:
        super().__init__(message)
        self.failed_call = failed_call


class RetryableProviderError(ProviderError):
    """Temporary: a timeout, a connection error, 429, 5xx or "overloaded".

    ``retry_after`` is the wait the provider asked for (Retry-After), if it said;
    ``rate_limited`` is true for a 429, which also slows the adaptive limiter down.
    """

    http_status = 503
    retryable = True

    def __init__(
        self, message: str, *, retry_after: float | None = None, rate_limited: bool = False
    ) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.rate_limited = rate_limited


class ProviderUnreachableError(RetryableProviderError):
    """Nothing answers at the provider's address (connection refused, unknown host): worth
    retrying once the provider has answered in this run, not before."""
