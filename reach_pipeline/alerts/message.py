"""What an alert says: one ``Alert``, rendered as a plain ``text`` and as Slack blocks.

The JSON body posted to an incoming webhook is ``{"text": ..., "blocks": [...]}``: Slack
shows the blocks (and uses ``text`` for notifications), Mattermost and Teams workflows
read ``text``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Slack's limits: header text 150 characters, a section's text 3000, a field's 2000, ten
# fields per section.
HEADER_MAX = 150
SECTION_MAX = 3000
FIELD_MAX = 2000
FIELDS_MAX = 10
DETAIL_MAX = 2800


@dataclass(frozen=True)
class Alert:
    title: str
    fields: tuple[tuple[str, str], ...] = ()
    detail: str = ""  # free text (an error message, a list of days), shown preformatted
    link: tuple[str, str] | None = None  # (label, url)
    kind: str = field(default="", compare=False)  # for logs: "day failure", "backfill", ...

    def text(self) -> str:
        lines = [self.title, *(f"{label}: {value}" for label, value in self.fields)]
        if self.detail:
            lines.append(self.detail)
        if self.link:
            lines.append(f"{self.link[0]}: {self.link[1]}")
        return "\n".join(lines)

    def blocks(self) -> list[dict]:
        blocks: list[dict] = [
            {"type": "header", "text": {"type": "plain_text", "text": clip(self.title, HEADER_MAX)}}
        ]
        if self.fields:
            blocks.append(
                {
                    "type": "section",
                    "fields": [
                        {"type": "mrkdwn", "text": clip(f"*{label}*\n{mrkdwn(value)}", FIELD_MAX)}
                        for label, value in self.fields[:FIELDS_MAX]
                    ],
                }
            )
        if self.detail:
            body = f"```{mrkdwn(clip(self.detail, DETAIL_MAX))}```"
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body}})
        if self.link:
            label, url = self.link
            blocks.append(
                {"type": "section", "text": {"type": "mrkdwn", "text": f"<{url}|{mrkdwn(label)}>"}}
            )
        return blocks

    def payload(self) -> dict:
        """The JSON body of a webhook post."""
        return {"text": self.text(), "blocks": self.blocks()}


def mrkdwn(text: str) -> str:
    """Text shown literally by Slack's mrkdwn (its three control characters escaped)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(items: list[str], limit: int = 20) -> list[str]:
    """At most ``limit`` items, then "and N more"."""
    if len(items) <= limit:
        return list(items)
    return [*items[:limit], f"and {len(items) - limit} more"]
