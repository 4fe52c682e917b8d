"""One JSON object per log line, with the request id, and secrets scrubbed before they are written."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from ory_platform.request_context import current_request_id

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}

# Values that must never reach a log, whatever message carries them.
_SECRET_PATTERNS = [
    re.compile(r"(?i)(authorization:?\s*(?:bearer|basic)\s+)[^\s,'\"]+"),
    re.compile(r"ory_ak_[A-Za-z0-9_-]+"),
    re.compile(
        r"(?i)((?:password|passwd|secret|token|code|csrf_token|client_secret|session_token|totp_code|"
        r"lookup_secret|recovery_code)[\"']?\s*[:=]\s*[\"']?)[^\s&,'\"}]+"
    ),
]
_SECRET_KEYS = re.compile(r"(?i)password|secret|token|authorization|cookie|credential|(^|_)code$")
_NOT_SECRET_KEYS = {"status_code", "http_status", "error_code"}


def scrub(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda match: (match.group(1) if match.groups() else "") + "[redacted]", text)
    return text


def _scrub_value(key: str, value):
    if key not in _NOT_SECRET_KEYS and _SECRET_KEYS.search(key):
        return "[redacted]"
    if isinstance(value, str):
        return scrub(value)
    return value


def install_request_id_factory() -> None:
    """Stamp every log record with the request id current when it was made, so a record
    formatted later (or by another handler) still names its request."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "stamps_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        request_id = current_request_id()
        if request_id:
            record.request_id = request_id
        return record

    factory.stamps_request_id = True
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """Formats a record as a single JSON line: time, level, logger, message, request id, extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": scrub(record.getMessage()),
        }
        request_id = getattr(record, "request_id", "") or current_request_id()
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES and not key.startswith("_") and key not in ("request", "request_id"):
                entry[key] = _scrub_value(key, value)
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)
