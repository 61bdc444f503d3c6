"""Send alerts to every destination; a destination that fails is logged once and left
alone for the rest of the evaluation (never retried in a loop, never raising)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from .destinations import NotDelivered
from .message import Alert
from .redact import redact, redact_payload


class Dispatcher:
    def __init__(self, destinations: Iterable, secrets: Iterable[str], log: logging.Logger):
        self.destinations = list(destinations)
        self.secrets = tuple(secrets)
        self.log = log
        self.failed: dict[str, str] = {}  # destination label -> why
        self.delivered = 0

    def send(self, alert: Alert) -> int:
        """Post ``alert`` (redacted) to each destination still working; return how many
        took it."""
        payload = redact_payload(alert.payload(), self.secrets)
        took = 0
        for destination in self.destinations:
            if destination.label in self.failed:
                continue
            try:
                destination.send(payload)
            except NotDelivered as exc:
                self._give_up(destination.label, alert, str(exc))
            except Exception as exc:  # noqa: BLE001 - an alert never fails the tick
                self._give_up(destination.label, alert, f"{type(exc).__name__}: {exc}")
            else:
                took += 1
        self.delivered += took
        return took

    def _give_up(self, label: str, alert: Alert, why: str) -> None:
        self.failed[label] = why
        self.log.warning(
            redact(
                f"alert not delivered to {label}: {why}. Not retried; the other alerts of "
                f"this evaluation skip it. (It was: {alert.kind or 'alert'}: {alert.title})",
                self.secrets,
            )
        )
