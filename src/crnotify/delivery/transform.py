"""EventBridge target parameters: what a target receives for an event.

The four `Form`s of a `ParamList` entry, as documented (research/alibaba-facts.md §2.4;
https://www.alibabacloud.com/help/en/eventbridge/latest/event-target-parameters and
https://www.alibabacloud.com/help/en/eventbridge/user-guide/event-transformation):

- ORIGINAL: the whole CloudEvent, as JSON.
- CONSTANT: `Value`, unchanged.
- JSONPATH: `Value` is one JSONPath such as `$.data.name`; a string result is sent as-is, anything
  else as JSON.
- TEMPLATE: `Value` is a JSON object mapping variable names to a JSONPath (a value starting with `$`)
  or to a constant; `Template` holds `${name}` placeholders. Variables cannot nest: a value is never
  scanned for placeholders again.

What the docs leave open, and the emulator's choice (one place to correct when the cloud is observed):

- A JSONPath that selects nothing yields an empty string (JSONPATH form and string positions of a
  TEMPLATE) or `null` (a JSON template position outside quotes); one that selects several values
  yields the list of them.
- When a template is a JSON document (it parses once every placeholder is replaced by a literal), a
  placeholder inside a JSON string receives the value JSON-escaped, so a markdown message stays valid
  JSON whatever the tag or repository name contains; a placeholder outside quotes receives the value
  as JSON. Other templates are plain text: strings raw, other values as compact JSON.
- A placeholder with no variable of that name is left in the text, as written.

JSONPath evaluation uses `jsonpath-ng`, compiled once per expression.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonpath_ng.exceptions import JSONPathError
from jsonpath_ng.jsonpath import JSONPath
from jsonpath_ng.parser import parse

from crnotify.errors import CrnotifyError
from crnotify.model import Param, ParamForm, Target

_PLACEHOLDER = re.compile(r"\$\{([^${}]+)\}")
_MISSING: Any = object()


class TransformError(CrnotifyError):
    """A target parameter that cannot be rendered (bad JSONPath, bad variable map, missing param)."""


@functools.lru_cache(maxsize=4096)
def compile_jsonpath(path: str) -> JSONPath:
    if not path.startswith("$"):
        raise TransformError(f"JSONPath {path!r} must start with '$' (e.g. $.data.RepoName)")
    try:
        return parse(path)
    except JSONPathError as exc:
        raise TransformError(f"invalid JSONPath {path!r}: {exc}") from None


def extract(event: Mapping[str, Any], path: str) -> Any:
    """The value at `path`: one match → the value, several → a list, none → `_MISSING`."""
    matches = compile_jsonpath(path).find(event)
    if not matches:
        return _MISSING
    if len(matches) == 1:
        return matches[0].value
    return [m.value for m in matches]


def _as_text(value: Any) -> str:
    if value is _MISSING:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_variables(value: str | None) -> dict[str, str]:
    """A TEMPLATE param's `Value`: a JSON object of variable name → JSONPath or constant string."""
    if not value:
        return {}
    try:
        variables = json.loads(value)
    except json.JSONDecodeError as exc:
        raise TransformError(f"template variables are not valid JSON: {exc}") from None
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise TransformError("template variables must be a JSON object of string to string")
    for path in variables.values():
        if path.startswith("$"):
            compile_jsonpath(path)
    return variables


def resolve_variables(variables: Mapping[str, str], event: Mapping[str, Any]) -> dict[str, Any]:
    return {name: extract(event, spec) if spec.startswith("$") else spec for name, spec in variables.items()}


def _string_spans(template: str) -> list[tuple[int, int]]:
    """Start/end offsets of the JSON string literals in `template` (placeholders count as text)."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    escaped = False
    for i, char in enumerate(template):
        if start is None:
            if char == '"':
                start = i
        elif escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            spans.append((start, i))
            start = None
    return spans


@functools.lru_cache(maxsize=1024)
def _json_template_spans(template: str) -> tuple[tuple[int, int], ...] | None:
    """The string spans when `template` is a JSON document with placeholders, else None."""
    try:
        json.loads(_PLACEHOLDER.sub("0", template))
    except json.JSONDecodeError:
        return None
    return tuple(_string_spans(template))


def render_template(template: str, values: Mapping[str, Any]) -> str:
    """Fill `${name}` placeholders from `values` (already resolved against the event)."""
    spans = _json_template_spans(template)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        value = values[name]
        if spans is None:
            return _as_text(value)
        inside = any(start < match.start() < end for start, end in spans)
        if inside:
            return json.dumps(_as_text(value), ensure_ascii=False)[1:-1]
        return "null" if value is _MISSING else json.dumps(value, ensure_ascii=False)

    return _PLACEHOLDER.sub(fill, template)


def render_param(param: Param, event: Mapping[str, Any]) -> str:
    """The text a target receives for one parameter."""
    if param.form is ParamForm.ORIGINAL:
        return json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    if param.form is ParamForm.CONSTANT:
        return param.value or ""
    if param.form is ParamForm.JSONPATH:
        if not param.value:
            raise TransformError(f"param {param.resource_key}: JSONPATH needs a Value")
        return _as_text(extract(event, param.value))
    variables = parse_variables(param.value)
    return render_template(param.template or "", resolve_variables(variables, event))


# --- targets -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpDelivery:
    """An HTTP(S) target's request: POST `body` to `url` with `headers`."""

    target_id: str
    url: str
    body: str
    headers: tuple[tuple[str, str], ...]
    channel: str | None = None  # set when sent to a local robot, whose host no longer names the channel


@dataclass(frozen=True, slots=True, kw_only=True)
class DingTalkDelivery:
    """A DingTalk robot target's request: `body` (JSON) to `webhook`, signed with `secret` if set."""

    target_id: str
    webhook: str
    secret: str | None
    body: str


Delivery = HttpDelivery | DingTalkDelivery

TOKEN_HEADER = "x-eventbridge-signature-token"  # noqa: S105  # a header name, not a secret
DINGTALK_TYPE = "acs.dingtalk"
HTTP_TYPES = ("http", "https")


def _param_text(target: Target, key: str, event: Mapping[str, Any], *, required: bool) -> str | None:
    param = target.param(key)
    if param is None:
        if required:
            raise TransformError(f"target {target.id} ({target.type}) has no {key} parameter")
        return None
    return render_param(param, event)


def content_type(body: str) -> str:
    try:
        json.loads(body)
    except json.JSONDecodeError:
        return "text/plain; charset=utf-8"
    return "application/json; charset=utf-8"


def render_target(target: Target, event: Mapping[str, Any]) -> Delivery:
    """What `target` sends for `event`. Raises TransformError for targets the emulator cannot deliver."""
    if target.type == DINGTALK_TYPE:
        webhook = _param_text(target, "URL", event, required=False) or target.endpoint
        secret = _param_text(target, "SecretKey", event, required=False)
        body = _param_text(target, "Body", event, required=True) or ""
        return DingTalkDelivery(target_id=target.id, webhook=webhook, secret=secret or None, body=body)
    if target.type in HTTP_TYPES:
        url = _param_text(target, "url", event, required=False) or target.endpoint
        body = _param_text(target, "Body", event, required=True) or ""
        headers = [("content-type", content_type(body))]
        token = _param_text(target, "Token", event, required=False)
        if token:
            headers.append((TOKEN_HEADER, token))
        return HttpDelivery(target_id=target.id, url=url, body=body, headers=tuple(headers))
    raise TransformError(
        f"target {target.id}: type {target.type!r} is not delivered by the emulator "
        f"(supported: {DINGTALK_TYPE}, {', '.join(HTTP_TYPES)})"
    )
