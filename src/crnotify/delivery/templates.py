"""A message template as the `Body` param of a bus target, and back: DingTalk's `msgtype` JSON, or a
chat channel's message (`MessageTemplate.channel`, built and read by `delivery.channels`).

`body_param` is what crnotify (and, per the convention, ACR) writes; `template_of` its inverse, used to
read a live target back into the template vocabulary of the YAML (import, field-level plans).
"""

from __future__ import annotations

import json

from crnotify.delivery import channels
from crnotify.model import MessageTemplate, Param, ParamForm, TemplateFormat


def body_param(template: MessageTemplate) -> Param:
    """The target's `Body` param (TEMPLATE form) for a message template."""
    if template.channel is not None:
        body = channels.get(template.channel).body(template.format, template.text, template.title)
    elif template.format is TemplateFormat.JSON:
        body = template.text
    elif template.format is TemplateFormat.MARKDOWN:
        body = json.dumps(
            {"msgtype": "markdown", "markdown": {"title": template.title or "", "text": template.text}},
            ensure_ascii=False,
        )
    else:
        body = json.dumps({"msgtype": "text", "text": {"content": template.text}}, ensure_ascii=False)
    variables = json.dumps(dict(template.variables), sort_keys=True, ensure_ascii=False)
    return Param(resource_key="Body", form=ParamForm.TEMPLATE, value=variables, template=body)


def template_of(param: Param, *, url: str | None = None) -> MessageTemplate | None:
    """The message template a `Body` param holds (the inverse of `body_param`); None if not TEMPLATE.
    `url`, the target's endpoint, tells a chat channel's body from DingTalk's alike shapes."""
    if param.form is not ParamForm.TEMPLATE or param.template is None:
        return None
    try:
        variables = json.loads(param.value or "{}")
    except ValueError:
        variables = {}
    pairs = (
        tuple(sorted((str(k), str(v)) for k, v in variables.items())) if isinstance(variables, dict) else ()
    )
    channel = channels.recognise(param.template, url)
    if channel is not None:
        found, (fmt, text, title) = channel
        return MessageTemplate(format=fmt, text=text, title=title, variables=pairs, channel=found.name)
    try:
        body = json.loads(param.template)
    except ValueError:
        body = None
    if (
        isinstance(body, dict)
        and body.get("msgtype") == "markdown"
        and isinstance(body.get("markdown"), dict)
    ):
        markdown = body["markdown"]
        return MessageTemplate(
            format=TemplateFormat.MARKDOWN,
            title=str(markdown.get("title") or "") or None,
            text=str(markdown.get("text", "")),
            variables=pairs,
        )
    if isinstance(body, dict) and body.get("msgtype") == "text" and isinstance(body.get("text"), dict):
        return MessageTemplate(
            format=TemplateFormat.TEXT, text=str(body["text"].get("content", "")), variables=pairs
        )
    return MessageTemplate(format=TemplateFormat.JSON, text=param.template, variables=pairs)
