"""Keep secrets out of every log and audit record (SECURITY.md 16; 等保 8.1.4.3 c: 个人信息保护).

No password, one-time code, session key or full ID number (18-digit 居民身份证号码, GB 11643) is written anywhere:

- ``redact_text`` masks ID numbers (first 4 and last 4 kept: ``5101**********1234``) and the value of any
  ``password=…``, ``"otp": "…"``, ``sessionid=…`` style pair in free text;
- ``redact_value`` walks an audit record's before/after values: a key that names a secret has its value replaced,
  every string is passed through ``redact_text``;
- ``install_log_redaction`` wraps the logging LogRecord factory, so every record of every logger (Django's,
  django-axes', the platform's, third parties') is redacted when it is created — before any handler, formatter
  or test capture sees it. A handler filter would miss records that reach other handlers; a logger filter would
  miss records propagated from child loggers.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

MASK = "******"

# 6-digit area code, birth date 18xx–20xx with a real month and day, 3-digit sequence, check character.
# Not inside a longer run of digits or letters, so 19-digit bank numbers or 18-character credit codes with
# letters are not touched.
ID_NUMBER = re.compile(
    r"(?<![0-9A-Za-z])([1-9]\d{3})(\d{2}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01]))(\d{3}[0-9Xx])"
    r"(?![0-9A-Za-z])"
)

SECRET_KEYS = ("password", "passwd", "pwd", "passcode", "otp", "totp", "one_time_code", "otp_token",
               "secret", "sessionid", "session_key", "csrfmiddlewaretoken", "api_key", "token",
               "authorization", "old_password", "new_password1", "new_password2", "password1", "password2")
# key=value, key: value, "key": "value", 'key': 'value' — the value up to the next quote, &, whitespace, comma or brace.
_KEY = (r"(?P<key>\b[\w-]*(?:password|passwd|pwd|passcode|otp|totp|one_time_code|secret|sessionid|session_key"
        r"|csrfmiddlewaretoken|api_key|authorization)[\w-]*)")
# "key": "value with spaces" — the whole quoted value.
_QUOTED_PAIR = re.compile(r"(?i)" + _KEY + r"(?P<sep>[\"']?\s*[:=]\s*(?P<q>[\"']))(?P<value>.*?)(?P=q)")
# key=value — up to the next &, whitespace, comma, semicolon or bracket.
_PAIR = re.compile(r"(?i)" + _KEY + r"(?P<sep>[\"']?\s*[:=]\s*(?:Bearer\s+|Token\s+)?)(?P<value>[^\"'&\s,;}\]]+)")
_BEARER = re.compile(r"(?i)\b(Bearer|Token)\s+[A-Za-z0-9._~+/=-]{8,}")


def mask_id_number(value: str) -> str:
    return value[:4] + "*" * 10 + value[-4:]


def redact_text(text: str) -> str:
    if not text:
        return text
    text = ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(3), text)
    text = _QUOTED_PAIR.sub(lambda m: m.group("key") + m.group("sep") + MASK + m.group("q"), text)
    text = _PAIR.sub(lambda m: m.group("key") + m.group("sep") + (m.group("value") if m.group("value") == MASK else MASK),
                     text)
    return _BEARER.sub(lambda m: m.group(1) + " " + MASK, text)


def _is_secret_key(key: Any) -> bool:
    name = str(key).lower().replace("-", "_")
    if name in SECRET_KEYS:
        return True
    return any(word in name for word in ("password", "passwd", "secret", "session_key", "sessionid", "otp_code",
                                         "one_time"))


def redact_value(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (MASK if _is_secret_key(k) and v not in (None, "") else redact_value(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(v) for v in value]
    if isinstance(value, str):
        return redact_text(value)
    return value


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: keep the template, drop the arguments  # noqa: BLE001
        message = str(record.msg)
    record.msg = redact_text(message)
    record.args = ()
    if record.exc_info and not record.exc_text:
        # Format the traceback now so its exception messages are redacted too.
        record.exc_text = redact_text("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
    return record


_installed = False


def install_log_redaction() -> None:
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args, **kwargs):
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = True


class RedactSecretsFilter(logging.Filter):
    """The same redaction as a handler filter, for LOGGING configurations that name it explicitly."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True
