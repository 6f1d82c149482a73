"""The registry of chat channels beyond DingTalk: `notify.<name>` → its `Channel` (delivery/<name>.py).

Every question about a channel — its URL, its body, its limits, its answers — goes through `get`,
`for_url` or `recognise`; no other module compares channel names. A channel rule is an HTTPS
notification whose message body is the channel's JSON (the registry side knows only DingTalk, HTTP and
HTTPS; crnotify keeps the body in place as a bus customisation).
"""

from __future__ import annotations

from dataclasses import replace

from crnotify import redact
from crnotify.delivery import dingtalk, lark, slack, teams, webhook, wecom
from crnotify.delivery._channel import Answer, Channel, Form, Outcome, Verdict, shown_texts
from crnotify.model import MessageTemplate, TemplateFormat

__all__ = ["ALIASES", "CHANNELS", "Answer", "Channel", "Form", "Outcome", "Verdict", "shown_texts"]

CHANNELS: dict[str, Channel] = {
    c.name: c for c in (lark.CHANNEL, wecom.CHANNEL, slack.CHANNEL, teams.CHANNEL, webhook.CHANNEL)
}
ALIASES = {"feishu": "lark"}
# The channels a local robot emulates (`crnotify emulator robot --kind`): those with answers.
ROBOT_KINDS = tuple(name for name, c in CHANNELS.items() if c.answers)


def answer_codes() -> tuple[tuple[str, Verdict], ...]:
    """Each refusal a channel answers with (`Channel.answers`), as its sender reads it (`read_answer`):
    (the channel's code, e.g. `code 11232` or `HTTP 429: rate_limited`, what it means). A trace's
    answer starts with that code (`delivery.send` records `Outcome.detail`)."""
    found: dict[str, Verdict] = {}
    for channel in CHANNELS.values():
        if channel.read_answer is None:
            continue
        for verdict, answer in channel.answers.items():
            outcome = channel.read_answer(answer.status, answer.body.encode())
            if verdict is not Verdict.OK and outcome.code:
                found.setdefault(outcome.code, verdict)
    return tuple(found.items())


def names() -> tuple[str, ...]:
    """Every `notify:` key that names a channel, aliases included."""
    return (*CHANNELS, *ALIASES)


def canonical(name: str) -> str | None:
    name = ALIASES.get(name, name)
    return name if name in CHANNELS else None


def get(name: str) -> Channel:
    return CHANNELS[ALIASES.get(name, name)]


def for_url(url: str) -> Channel | None:
    """The channel with a fixed host whose webhook `url` is (the generic webhook is never guessed)."""
    from urllib.parse import urlsplit  # noqa: PLC0415

    host = urlsplit(url).hostname
    return next((c for c in CHANNELS.values() if c.hosts and c.host_matches(host)), None)


def recognise(body: str, url: str | None) -> tuple[Channel, Form] | None:
    """The channel and template a body shows: by the URL's host when it names a channel, else only
    a shape no other target has (the generic webhook's markdown form)."""
    channel = for_url(url) if url else None
    candidates = (channel,) if channel is not None else (webhook.CHANNEL,)
    for candidate in candidates:
        form = candidate.template_of(body)
        if form is not None:
            return candidate, form
    return None


def redact_url(url: str) -> str:
    """A URL for output: a channel's credential (path token, key, sig) masked, DingTalk's too, and any
    secret read from the environment (a generic webhook's path token)."""
    channel = for_url(url)
    return redact.mask_values(
        dingtalk.redact_url(channel.redact(url) if channel is not None else url), redact.remembered()
    )


def default_template(name: str, base: MessageTemplate | None, event: str) -> MessageTemplate:
    """The message of a channel rule without `bus.template`: the cloud's default message (`base`,
    markdown with a `### title` first line) in the channel's rich form, or a line naming the event."""
    channel = get(name)
    if base is None:
        return MessageTemplate(format=TemplateFormat.TEXT, text=f"crnotify: {event}", channel=channel.name)
    if channel.titled and base.title:
        text = base.text.removeprefix(f"### {base.title}\n").lstrip("\n")
        return replace(base, format=TemplateFormat.MARKDOWN, text=text, channel=channel.name)
    return replace(base, format=TemplateFormat.MARKDOWN, title=None, channel=channel.name)
