"""Microsoft Teams workflow webhooks: the webhook, its messages and its answers.

Office 365 connectors (incoming webhooks on `*.webhook.office.com` and `outlook.office.com/webhook`)
are retired ("Retirement of Office 365 connectors within Microsoft Teams",
https://devblogs.microsoft.com/microsoft365dev/retirement-of-office-365-connectors-within-microsoft-teams/);
their replacement is a Workflows (Power Automate) flow from the template "Post to a channel when a
webhook request is received", whose URL is on `*.logic.azure.com` or `*.powerplatform.com` and ends in
`/triggers/manual/paths/invoke?…&sig=<signature>` — the `sig` is the credential. The flow posts the
Adaptive Cards of a `{"type": "message", "attachments": [{"contentType":
"application/vnd.microsoft.card.adaptive", "content": {…}}]}` body; a posted message is at most about
28 KB (the Teams connector's known limits, https://learn.microsoft.com/connectors/teams/). The flow
answers 202 Accepted; a refused request gets a 4xx with `{"error": {"code", "message"}}` (400 a body
the trigger cannot read, 401 a bad signature, 413 too large, 429 throttled). No per-webhook rate is
documented for workflows; the local robot uses the retired connectors' documented 4 requests a
second as a stand-in (https://learn.microsoft.com/microsoftteams/platform/webhooks-and-connectors/
how-to/connectors-using#rate-limiting-for-connectors).
"""

from __future__ import annotations

import re
from typing import Any

from crnotify.delivery._channel import Channel, Form, Message, Outcome, Verdict, dig, json_answer
from crnotify.model import TemplateFormat

HOSTS = (".logic.azure.com", ".powerplatform.com")
MAX_BODY_BYTES = 28 * 1024
PER_SECOND = 4
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
REPLACEMENT = (
    "create a Teams workflow from the template 'Post to a channel when a webhook request is received' "
    "(Workflows app) and use its URL (*.logic.azure.com or *.powerplatform.com)"
)


def retired(host: str, path: str) -> str | None:
    if (
        host.endswith(".webhook.office.com")
        or host == "webhook.office.com"
        or (host == "outlook.office.com" and path.startswith("/webhook"))
    ):
        return f"{host} is a retired Office 365 connector webhook; Microsoft replaced them with workflows"
    return None


def _card(blocks: list[dict[str, Any]]) -> Message:
    content = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard", "version": "1.4", "body": blocks}
    return {
        "type": "message",
        "attachments": [{"contentType": CARD_TYPE, "contentUrl": None, "content": content}],
    }


def build(fmt: TemplateFormat, text: str, title: str | None) -> Message | None:
    if fmt is TemplateFormat.TEXT:
        return _card([{"type": "TextBlock", "text": text, "wrap": True}])
    if fmt is TemplateFormat.MARKDOWN:
        blocks: list[dict[str, Any]] = []
        if title:
            blocks.append(
                {"type": "TextBlock", "text": title, "size": "Medium", "weight": "Bolder", "wrap": True}
            )
        blocks.append({"type": "TextBlock", "text": text, "wrap": True, "isSubtle": False})
        return _card(blocks)
    return None


def parse(message: Any) -> Form | None:
    body = dig(message, "attachments", 0, "content", "body")
    if dig(message, "type") != "message" or not isinstance(body, list) or not body:
        return None
    texts = [dig(block, "text") for block in body]
    if not all(isinstance(t, str) for t in texts) or len(body) > 2:
        return None
    if len(body) == 1 and "isSubtle" not in body[0]:
        return TemplateFormat.TEXT, texts[0], None
    title = texts[0] if len(body) == 2 else None
    return TemplateFormat.MARKDOWN, texts[-1], title


def shape_ok(message: Any) -> bool:
    attachments = dig(message, "attachments")
    return (
        isinstance(attachments, list)
        and bool(attachments)
        and all(
            dig(a, "contentType") == CARD_TYPE and dig(a, "content", "type") == "AdaptiveCard"
            for a in attachments
        )
    )


def _read(status: int, body: bytes) -> Outcome:
    detail = f"HTTP {status}"
    if status >= 400:
        code = dig(_json(body), "error", "code")
        detail += f": {code}" if isinstance(code, str) else ""
    return Outcome(
        ok=200 <= status < 300, retryable=status == 429 or status >= 500, detail=detail, code=detail
    )


def _json(body: bytes) -> Any:
    import json  # noqa: PLC0415 -- only on a refusal

    try:
        return json.loads(body)
    except ValueError:
        return None


def _error(status: int, code: str, message: str) -> Any:
    return json_answer(status, {"error": {"code": code, "message": message}})


CHANNEL = Channel(
    name="teams",
    label="Microsoft Teams",
    example_url="https://prod-00.westus.logic.azure.com/workflows/ID/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${env:TEAMS_SIG}",
    hosts=HOSTS,
    path=re.compile(r"(/powerautomate/automations/direct)?/workflows/[^/]+/triggers/manual/paths/invoke"),
    secret_query="sig",  # noqa: S106 -- the name of the query parameter, not a secret
    retired=retired,
    max_body_bytes=MAX_BODY_BYTES,
    size_source="the Teams connector's known limits",
    windows=((PER_SECOND, 1.0),),
    rate_source="the Teams connector rate limit (workflows document none)",
    build=build,
    parse=parse,
    shape_ok=shape_ok,
    answers={
        Verdict.OK: json_answer(202, {}),
        Verdict.UNKNOWN_HOOK: _error(
            401, "DirectApiAuthorizationRequired", "the request signature is not valid"
        ),
        Verdict.TOO_LARGE: _error(413, "RequestEntityTooLarge", "the message is over 28 KB"),
        Verdict.BAD_BODY: _error(
            400, "InvalidRequestContent", "the body is not a message with Adaptive Cards"
        ),
        Verdict.RATE_LIMITED: _error(429, "WorkflowRequestsThrottled", "too many requests"),
    },
    read_answer=_read,
)
