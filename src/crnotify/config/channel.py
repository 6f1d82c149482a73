"""Semantic checks of a chat channel's `notify:` block (lark/feishu, wecom, slack, teams, webhook) and of
the message its rule sends (CRN240–CRN243). The facts checked are each channel's own
(`crnotify.delivery.<channel>`), asked through `delivery.channels`.
"""

from __future__ import annotations

from collections.abc import Mapping

from crnotify.config.notify import EnvUses, check_http_url, check_references
from crnotify.delivery import channels
from crnotify.diagnostics import codes, quote
from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import ENV_REFERENCE, Notify, NotifyMethod, Rule, SecretText


def check_channel_notify(rep: Reporter, item: Item, env: Mapping[str, str], env_uses: EnvUses) -> Notify:
    """The Notify of a channel rule: an HTTPS notification carrying the channel's name."""
    (key, body), *_ = item.data["notify"].items()
    channel = channels.get(key)
    sub = ("notify", key, "url")
    url = str(body["url"])
    url_ok = check_references(rep, item, sub, url)
    env_uses.add(url, item, sub)
    resolved = SecretText(template=url).resolve(env)
    if url_ok:
        if not channel.hosts:  # the generic webhook: any https:// URL
            check_http_url(rep, item, sub, NotifyMethod.HTTPS, url=url, resolved=resolved.value)
        else:
            _check_url(rep, item, sub, channel, url=url, resolved=resolved.value)
    token = body.get("token")
    if token is not None:
        env_uses.add(str(token), item, ("notify", key, "token"))
    if "secret" in body:
        rep.error(
            codes.CHANNEL_SECURITY,
            item,
            ("notify", key, "secret"),
            f"{channel.label} signature verification is not possible: {channel.signing_refused}",
            hint="set the bot's security to custom keywords (list them under `keywords:` and put one in "
            "the message) or to an IP allow-list, then remove `secret`",
            key=True,
        )
    secret = None if token is None else SecretText(template=str(token)).resolve(env)
    return Notify(method=NotifyMethod.HTTPS, url=resolved, secret=secret, channel=channel.name)


def _check_url(
    rep: Reporter,
    item: Item,
    sub: tuple[str, ...],
    channel: channels.Channel,
    *,
    url: str,
    resolved: str | None,
) -> None:
    hint = f"a {channel.label} webhook looks like {channel.example_url}"
    if ENV_REFERENCE.fullmatch(url):
        # The whole URL comes from the environment: its shape is checked once it is set, unseen.
        if resolved is not None and channel.url_problem(resolved) is not None:
            rep.error(
                codes.CHANNEL_URL,
                item,
                sub,
                f"the value of {url} is not a {channel.label} webhook URL (value not shown)",
                hint=hint,
            )
        return
    problem = channel.url_problem(url)
    if problem is not None:
        retired = channel.retired(*_host_path(url)) is not None
        rep.error(
            codes.CHANNEL_URL,
            item,
            sub,
            problem,
            hint=_replacement(channel) if retired else hint,
        )
        return
    if channel.literal_secret(url):
        where = f"the {channel.secret_query}= value" if channel.secret_query else "the last path segment"
        rep.error(
            codes.CREDENTIAL_IN_URL,
            item,
            sub,
            f"the {channel.label} webhook's credential ({where}) is written in the YAML (value not shown)",
            hint=f"move it to an environment variable: {channel.example_url}; then rotate it, since it is "
            "in your history",
        )


def _host_path(url: str) -> tuple[str, str]:
    from urllib.parse import urlsplit  # noqa: PLC0415

    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.path


def _replacement(channel: channels.Channel) -> str:
    from crnotify.delivery import teams  # noqa: PLC0415 -- only Teams has retired URLs

    return teams.REPLACEMENT if channel is teams.CHANNEL else f"use {channel.example_url}"


def check_channel_rule(rep: Reporter, item: Item, rule: Rule, *, broad: bool) -> None:
    """The message a channel rule sends: its size, its keywords; and whether its scope (`broad`: the
    whole registry, every tag) outruns the channel's rate limit."""
    name = rule.notify.channel
    template = rule.bus.template
    if name is None or template is None:
        return
    channel = channels.get(name)
    key = next(iter(item.data["notify"]))
    where = ("bus", "template", "text") if "template" in (item.data.get("bus") or {}) else ("notify", key)
    body = channel.body(template.format, template.text, template.title)
    size = len(body.encode())
    if channel.max_body_bytes is not None and size > channel.max_body_bytes:
        rep.error(
            codes.CHANNEL_SIZE,
            item,
            where,
            f"the {channel.label} message is {size:,} bytes before its placeholders are filled; "
            f"{channel.label} accepts at most {channel.max_body_bytes:,} ({channel.size_source})",
            hint="shorten the text; the service refuses the whole message, it does not cut it",
        )
    limit = channel.max_text_bytes.get(template.format)
    if limit is not None:
        measured = len(template.text) if channel.text_unit == "characters" else len(template.text.encode())
        if measured > limit:
            rep.error(
                codes.CHANNEL_SIZE,
                item,
                where,
                f"the {template.format.value} text is {measured:,} {channel.text_unit}; {channel.label} "
                f"accepts at most {limit:,} in a {template.format.value} message ({channel.size_source})",
                hint="shorten the text, or use the other format if its limit is higher",
            )
    keywords = [str(k) for k in (item.data["notify"][key].get("keywords") or ())]
    shown = f"{template.title or ''}\n{template.text}"
    if keywords and not any(keyword in shown for keyword in keywords):
        rep.error(
            codes.CHANNEL_SECURITY,
            item,
            where,
            f"the message contains none of the keywords {', '.join(quote(k) for k in keywords)}; the "
            f"{channel.label} bot refuses every message without one",
            hint=f"put {quote(keywords[0])} in the template's text or title, outside the ${{…}} placeholders",
        )
    if channel.windows and broad:
        rep.warning(
            codes.CHANNEL_BROAD,
            item,
            ("scope",),
            f"rule {quote(rule.name)} sends every {rule.event_type.short_name} event of the whole registry "
            f"to one {channel.label} webhook, which accepts {channel.rate_text()} ({channel.rate_source})",
            hint="narrow the scope to namespaces or repositories, or filter tags",
        )
