"""No secret in a message, a log line or metadata: known values and known shapes, masked."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

MASK = "[redacted]"
# Shorter values are not masked by value (a test key "k" would mask every k); their
# shapes below still are.
MIN_SECRET_LENGTH = 8

# Environment variables whose values are secrets wherever they show up.
SECRET_VARIABLES = (
    "REACH_ALERT_WEBHOOK_URL",
    "REACH_SLACK_TOKEN",
    "REACH_PG_PASSWORD",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
)

_SHAPES = (
    # Slack tokens (bot, user, app, refresh...)
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), MASK),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), MASK),
    # AWS access key ids
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), MASK),
    # incoming-webhook URLs: the path is the credential
    (re.compile(r"(https?://hooks\.slack\.com)/\S+"), rf"\1/{MASK}"),
    (re.compile(r"(https?://[\w.-]*webhook\.office\.com)/\S+"), rf"\1/{MASK}"),
    (re.compile(r"(https?://[^/\s]+/hooks)/[A-Za-z0-9]+"), rf"\1/{MASK}"),
    # signatures and tokens in query strings (Teams workflows, presigned S3 URLs)
    (
        re.compile(
            r"(?i)([?&](?:sig|signature|token|code|key|x-amz-signature|x-amz-credential"
            r"|x-amz-security-token)=)[^&\s\"']+"
        ),
        rf"\1{MASK}",
    ),
    # passwords in URLs
    (re.compile(r"(://[^/\s:@]+:)[^/\s@]+@"), rf"\1{MASK}@"),
)


def url_secrets(url: str) -> tuple[str, ...]:
    """A URL that is a credential, and its path-and-query alone (an error may quote that)."""
    if not url:
        return ()
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return (url, tail) if len(tail) >= MIN_SECRET_LENGTH else (url,)


def environment_secrets(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The secret values in ``environ`` (see ``SECRET_VARIABLES``)."""
    found: list[str] = []
    for name in SECRET_VARIABLES:
        value = environ.get(name, "").strip()
        if name == "REACH_ALERT_WEBHOOK_URL":
            found.extend(url_secrets(value))
        elif value:
            found.append(value)
    return tuple(found)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every known secret value and every secret-shaped string masked."""
    for secret in sorted(
        {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True
    ):
        text = text.replace(secret, MASK)
    for pattern, replacement in _SHAPES:
        text = pattern.sub(replacement, text)
    return text


def redact_payload(value, secrets: Iterable[str] = ()):
    """Every string in a JSON-like value (dicts, lists, strings), redacted."""
    secrets = tuple(secrets)
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, Mapping):
        return {key: redact_payload(item, secrets) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_payload(item, secrets) for item in value]
    return value


def describe_url(url: str) -> str:
    """Where a URL points, without its path, query or credentials: ``https://host/…``."""
    parts = urlsplit(url)
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # not a number
        port = ""
    return f"{parts.scheme}://{parts.hostname or '?'}{port}/…"
