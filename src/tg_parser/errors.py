"""The one exception tree of tg-parser.

Every error a user can cause or fix is a ``TgParserError``; its message is one line that
says what is wrong and what to do. Each class knows its CLI exit code and HTTP status.

    TgParserError                  exit 1, HTTP 500
    ├── ConfigError                exit 2, HTTP 500   bad setting or missing credential
    ├── InputError                 exit 2, HTTP 400   bad user input (arguments, files)
    │   ├── ExportFormatError      exit 2, HTTP 400   a file that is not a readable export
    │   └── ChatNotFoundError      exit 2, HTTP 404   --chat names no chat in the export
    ├── NotFoundError              exit 3, HTTP 404   an unknown source, run or topic
    └── StorageError               exit 4, HTTP 503   the database cannot be reached or used
        └── SchemaOutdatedError    exit 4, HTTP 503   the database needs `tg-parser db upgrade`
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


class SchemaOutdatedError(StorageError):
    pass
