"""A generic HTTPS webhook: any https:// endpoint, with a small JSON body of the template's text.

For endpoints that are no chat service crnotify knows (an incident tool, a bot of your own): the text
form sends `{"text": …}`, the markdown form `{"title": …, "markdown": …}`, and `json` sends the
template's text as the body, as `notify.https` does. No host, size or rate limit is assumed.
"""

from __future__ import annotations

from typing import Any

from crnotify.delivery._channel import Channel, Form, Message, dig
from crnotify.model import TemplateFormat


def build(fmt: TemplateFormat, text: str, title: str | None) -> Message | None:
    if fmt is TemplateFormat.TEXT:
        return {"text": text}
    if fmt is TemplateFormat.MARKDOWN:
        return {"title": title or "", "markdown": text}
    return None


def parse(message: Any) -> Form | None:
    if isinstance(message, dict) and set(message) == {"title", "markdown"}:
        title, text = dig(message, "title"), dig(message, "markdown")
        if isinstance(title, str) and isinstance(text, str):
            return TemplateFormat.MARKDOWN, text, title or None
    return None


CHANNEL = Channel(
    name="webhook",
    label="HTTPS webhook",
    example_url="https://hooks.example.com/crnotify",
    hosts=(),
    path=None,
    build=build,
    parse=parse,
)
