"""Semantic checks of `notify:` and `bus:`, and the `${env:NAME}` references they hold.

DingTalk robots are addressed by `https://oapi.dingtalk.com/robot/send?access_token=…` (the
international site uses oapi.dingtalk.io; research/alibaba-facts.md §5). The access token is a
secret, so it must come from the environment; so must the signing secret and HTTP tokens.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from crnotify.delivery import channels, dingtalk
from crnotify.diagnostics import codes, quote
from crnotify.diagnostics.reporter import Item, Reporter
from crnotify.model import (
    ENV_REFERENCE,
    BusCustomization,
    EventType,
    MessageTemplate,
    Notify,
    NotifyMethod,
    Provider,
    SecretText,
    TemplateFormat,
)
from crnotify.providers import cloud

_PLACEHOLDER_START = re.compile(r"\$\{")
_TEMPLATE_VARIABLE = re.compile(r"\$\{([^{}]*)\}")
_URL_FIELD = {NotifyMethod.DINGTALK: "webhook", NotifyMethod.HTTP: "url", NotifyMethod.HTTPS: "url"}
_SECRET_FIELD = {NotifyMethod.DINGTALK: "secret", NotifyMethod.HTTP: "token", NotifyMethod.HTTPS: "token"}


@dataclass
class EnvUses:
    """Every `${env:NAME}` reference met, in order: name → [(item, sub-path)]."""

    uses: dict[str, list[tuple[Item, tuple[str, ...]]]] = field(default_factory=dict)

    def add(self, template: str, item: Item, sub: tuple[str, ...]) -> None:
        for name in ENV_REFERENCE.findall(template):
            self.uses.setdefault(name, []).append((item, sub))


def check_notify(rep: Reporter, item: Item, env: Mapping[str, str], env_uses: EnvUses) -> Notify:
    """The rule's Notify (secrets resolved from `env`), reporting what is wrong with it."""
    (method_name, body), *_ = item.data["notify"].items()
    method = NotifyMethod(method_name)
    url_key, secret_key = _URL_FIELD[method], _SECRET_FIELD[method]
    url_sub = ("notify", method_name, url_key)
    url = str(body[url_key])
    url_ok = check_references(rep, item, url_sub, url)
    env_uses.add(url, item, url_sub)
    secret_template = body.get(secret_key)
    if secret_template is not None:
        env_uses.add(secret_template, item, ("notify", method_name, secret_key))

    resolved_url = SecretText(template=url).resolve(env)
    if url_ok and method is NotifyMethod.DINGTALK:
        _check_dingtalk_webhook(rep, item, url_sub, url, resolved_url.value)
    elif url_ok:
        check_http_url(rep, item, url_sub, method, url=url, resolved=resolved_url.value)
    secret = None if secret_template is None else SecretText(template=secret_template).resolve(env)
    return Notify(method=method, url=resolved_url, secret=secret)


def check_references(rep: Reporter, item: Item, sub: tuple[str, ...], text: str) -> bool:
    ok = True
    for start in _PLACEHOLDER_START.finditer(text):
        if ENV_REFERENCE.match(text, start.start()) is None:
            ok = False
            wrong = re.match(r"\$\{[^}]{0,40}\}?", text[start.start() :])
            shown = wrong.group(0) if wrong else "${"
            rep.error(
                codes.ENV_REFERENCE,
                item,
                sub,
                f"{quote(shown)} is not a valid environment reference",
                hint="write ${env:NAME}; NAME is letters, digits and '_' and does not start with a digit",
            )
    return ok


def _check_dingtalk_webhook(
    rep: Reporter, item: Item, sub: tuple[str, ...], url: str, resolved: str | None
) -> None:
    shape_hint = (
        "a DingTalk robot webhook looks like "
        "https://oapi.dingtalk.com/robot/send?access_token=${env:DINGTALK_TOKEN}"
    )
    if ENV_REFERENCE.fullmatch(url):
        # The whole URL comes from the environment: its shape can only be checked once it is set.
        if resolved is not None and not _is_dingtalk_url(resolved):
            rep.error(
                codes.DINGTALK_WEBHOOK,
                item,
                sub,
                f"the value of {url} is not a DingTalk robot webhook URL (value not shown)",
                hint=shape_hint,
            )
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or parts.hostname not in dingtalk.HOSTS or parts.path != dingtalk.PATH:
        where = f"{parts.scheme}://{parts.netloc}{parts.path}"
        rep.error(
            codes.DINGTALK_WEBHOOK,
            item,
            sub,
            f"{quote(where)} is not a DingTalk robot webhook "
            f"(expected https://{dingtalk.HOSTS[0]}{dingtalk.PATH} or {dingtalk.HOSTS[1]})",
            hint=shape_hint,
        )
        return
    query = parse_qsl(parts.query, keep_blank_values=True)
    names = [name for name, _ in query]
    tokens = [value for name, value in query if name == "access_token"]
    if len(tokens) != 1:
        rep.error(
            codes.DINGTALK_WEBHOOK,
            item,
            sub,
            "the DingTalk webhook needs exactly one access_token query parameter",
            hint=shape_hint,
        )
    elif not ENV_REFERENCE.fullmatch(tokens[0]):
        rep.error(
            codes.CREDENTIAL_IN_URL,
            item,
            sub,
            "the DingTalk access_token is written in the YAML (value not shown); it is a secret",
            hint="move it to an environment variable and write access_token=${env:DINGTALK_TOKEN}; "
            "then rotate the token, since it is in your history",
        )
    extra = sorted({name for name in names if name != "access_token"})
    if extra:
        rep.error(
            codes.DINGTALK_WEBHOOK,
            item,
            sub,
            f"the DingTalk webhook has query parameters {', '.join(extra)} besides access_token",
            hint="timestamp and sign are computed for each message from `secret`; remove them",
        )


def _is_dingtalk_url(url: str) -> bool:
    parts = urlsplit(url)
    return (
        parts.scheme == "https"
        and parts.hostname in dingtalk.HOSTS
        and parts.path == dingtalk.PATH
        and any(name == "access_token" for name, _ in parse_qsl(parts.query))
    )


def check_http_url(
    rep: Reporter, item: Item, sub: tuple[str, ...], method: NotifyMethod, *, url: str, resolved: str | None
) -> None:
    if url.startswith("${env:"):
        # The scheme comes from the environment: check it once it is set, without showing the value.
        if resolved is not None and not resolved.lower().startswith(f"{method.value}://"):
            rep.error(
                codes.URL_SCHEME,
                item,
                sub,
                f"notify.{method.value} needs a {method.value}:// URL; the value of the environment "
                "reference is not one (value not shown)",
                hint=f"set the variable to a {method.value}:// URL, or use the method its scheme needs",
            )
        return
    scheme = url.split("://", 1)[0].lower()
    if scheme != method.value and sub[1] != method.value:  # a channel (`notify.webhook`): https only
        rep.error(
            codes.URL_SCHEME,
            item,
            sub,
            f"notify.{sub[1]} is for https:// URLs; this one is {scheme}://",
            hint="serve the endpoint over HTTPS, or use notify.http for a plain-HTTP endpoint",
        )
    elif scheme != method.value:
        other = "https" if method is NotifyMethod.HTTP else "http"
        rep.error(
            codes.URL_SCHEME,
            item,
            sub,
            f"notify.{method.value} is for {method.value}:// URLs; this one is {scheme}://",
            hint=f"use notify.{other} for {scheme}:// endpoints, or change the URL to {method.value}://; "
            "ACR and EventBridge treat http and https as different notification types",
        )
    try:
        password = urlsplit(url).password
    except ValueError:  # urllib: "Invalid IPv6 URL", a `[` or `]` in the host part
        rep.error(
            codes.SCHEMA_PATTERN,
            item,
            sub,
            f"notify.{method.value}.url is not a valid URL: its host part has an unmatched '[' or ']'",
            hint="only IPv6 addresses are written in brackets, e.g. https://[2001:db8::1]/hook",
        )
        return
    if password and not ENV_REFERENCE.fullmatch(password):
        rep.error(
            codes.CREDENTIAL_IN_URL,
            item,
            sub,
            "the URL carries a password in the YAML (value not shown)",
            hint="write it as ${env:NAME}, or authenticate with `token: ${env:NAME}` instead",
        )


# --- bus customisations ---------------------------------------------------------------------------


def check_bus(
    rep: Reporter,
    item: Item,
    event_type: EventType,
    method: NotifyMethod,
    *,
    provider: Provider | None = None,
    channel: str | None = None,
) -> BusCustomization:
    """`provider` decides the variables every template has (its cloud's `template_variables`: ACR's
    `$.data` fields, or on `aws` the ECR event fields). A `channel` rule always has a template: the
    declared one in the channel's shape, else the channel's default (`channels.default_template`)."""
    bus = item.data.get("bus") or {}
    template = None
    if "template" in bus:
        # An unknown registry is already an error: its variables are not checked.
        defaults = None if provider is None else cloud(provider).template_variables(event_type)
        template = _check_template(rep, item, bus["template"], method, defaults, channel=channel)
    elif channel is not None:
        base = None if provider is None else cloud(provider).default_message(event_type)
        template = channels.default_template(channel, base, event_type.value)
    return BusCustomization(template=template, description=bus.get("description"), enabled=bus.get("enabled"))


def _check_template(
    rep: Reporter,
    item: Item,
    data: Mapping[str, object],
    method: NotifyMethod,
    defaults: tuple[tuple[str, str], ...] | None,
    *,
    channel: str | None = None,
) -> MessageTemplate:
    """`defaults` None: the event type has no known fields here, so undefined variables are not checked."""
    sub = ("bus", "template")
    fmt = TemplateFormat(str(data["format"]))
    text = str(data["text"])
    title = data.get("title")
    allowed: tuple[TemplateFormat, ...] = (
        (TemplateFormat.MARKDOWN, TemplateFormat.TEXT)
        if method is NotifyMethod.DINGTALK
        else (TemplateFormat.JSON,)
    )
    facts = None if channel is None else channels.get(channel)
    if facts is not None:
        allowed = facts.formats
        if fmt not in allowed:
            rep.error(
                codes.TEMPLATE_FORMAT,
                item,
                (*sub, "format"),
                f"format {fmt.value} does not fit {facts.label}",
                hint=f"use {' or '.join(f.value for f in allowed)}: text is a plain message, markdown the "
                "channel's rich form, json the request body as written",
            )
        if title is not None and not (fmt is TemplateFormat.MARKDOWN and facts.titled):
            rep.error(
                codes.TEMPLATE_FORMAT,
                item,
                (*sub, "title"),
                f"{facts.label} {fmt.value} messages have no title",
                hint="remove title and write a heading line in the text"
                if fmt is TemplateFormat.MARKDOWN
                else "remove title, or use format: markdown",
                key=True,
            )
    elif fmt not in allowed:
        rep.error(
            codes.TEMPLATE_FORMAT,
            item,
            (*sub, "format"),
            f"format {fmt.value} does not fit notify.{method.value}",
            hint=f"use {' or '.join(f.value for f in allowed)}: DingTalk robots take markdown or text "
            "messages, HTTP endpoints receive the json body",
        )
    if facts is not None:  # a channel's title is optional, and was checked above
        pass
    elif fmt is TemplateFormat.MARKDOWN and title is None:
        rep.error(
            codes.TEMPLATE_FORMAT,
            item,
            sub,
            "a markdown template needs a title",
            hint="DingTalk requires markdown.title; it is shown in the conversation list",
        )
    elif fmt is not TemplateFormat.MARKDOWN and title is not None:
        rep.error(
            codes.TEMPLATE_FORMAT,
            item,
            (*sub, "title"),
            f"title is only used by markdown templates, not {fmt.value}",
            hint="remove title, or use format: markdown",
            key=True,
        )

    declared = data.get("variables")
    user_variables = {str(k): str(v) for k, v in declared.items()} if isinstance(declared, Mapping) else {}
    variables = dict(defaults or ()) | user_variables
    for field_name, value in (("text", text), ("title", title)):
        if defaults is None or not isinstance(value, str):
            continue
        for name in dict.fromkeys(_TEMPLATE_VARIABLE.findall(value)):
            if name not in variables:
                rep.error(
                    codes.TEMPLATE_VARIABLE,
                    item,
                    (*sub, field_name),
                    f"the template uses ${{{name}}}, which is not a variable",
                    hint=_variable_hint(name, variables),
                )
    if fmt is TemplateFormat.JSON:
        # Placeholders become 0, which is valid both inside a JSON string and as a bare value.
        try:
            json.loads(_TEMPLATE_VARIABLE.sub("0", text))
        except json.JSONDecodeError as exc:
            rep.error(
                codes.TEMPLATE_JSON,
                item,
                (*sub, "text"),
                f"the json template is not JSON: {exc.msg} "
                f"(line {exc.lineno}, column {exc.colno} of the text)",
                hint="the text is the HTTP body; write a JSON object with ${Variable} placeholders",
            )
    return MessageTemplate(
        format=fmt,
        text=text,
        title=None if title is None else str(title),
        variables=tuple(sorted(variables.items())),
        channel=channel,
    )


def _variable_hint(name: str, variables: Mapping[str, str]) -> str:
    close = difflib.get_close_matches(name, list(variables), n=1)
    prefix = f"did you mean ${{{close[0]}}}? " if close else ""
    if name.startswith("env:"):
        prefix = "environment references are only read in notify URLs and secrets. "
    return (
        f"{prefix}define it under `variables:` (name: JSONPath) or use one of: {', '.join(sorted(variables))}"
    )
