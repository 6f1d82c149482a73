"""EventBridge targets in their wire shape: validation, the backend-added default, model conversion.

A target is kept as PutTargets sent it (`Id`, `Type`, `Endpoint`, `ParamList`, …; research/
alibaba-facts.md §2.4), so GetRule and ListTargets return it unchanged except for the
`IsBase64Encode=false` parameter the real backend adds to every target (convention A6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.model import Param, ParamForm, Target
from crnotify.providers.alibaba import convention

MAX_PARAM_TEXT = 10_240
_RETRY_STRATEGIES = ("BACKOFF_RETRY", "EXPONENTIAL_DECAY_RETRY")
_TOLERANCES = ("ALL", "NONE")


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    entry_id: str
    code: str
    message: str


def normalise_target(raw: object) -> dict[str, Any]:
    """Validate one target from the wire; keep known fields; add the backend's IsBase64Encode."""
    if not isinstance(raw, dict):
        raise errors.TARGET_INVALID.error("a target must be a JSON object")
    target_id, target_type = raw.get("Id"), raw.get("Type")
    if not isinstance(target_id, str) or not target_id:
        raise errors.TARGET_INVALID.error("a target needs a non-empty Id")
    if not isinstance(target_type, str) or not target_type:
        raise errors.TARGET_INVALID.error(f"target {target_id}: Type is required")
    target: dict[str, Any] = {"Id": target_id, "Type": target_type, "Endpoint": str(raw.get("Endpoint", ""))}
    for key, allowed in (("PushRetryStrategy", _RETRY_STRATEGIES), ("ErrorsTolerance", _TOLERANCES)):
        if raw.get(key) is not None:
            if raw[key] not in allowed:
                raise errors.TARGET_INVALID.error(f"target {target_id}: {key} must be one of {allowed}")
            target[key] = raw[key]
    for key in ("DeadLetterQueue", "ConcurrentConfig"):
        if raw.get(key) is not None:
            if not isinstance(raw[key], dict):
                raise errors.TARGET_INVALID.error(f"target {target_id}: {key} must be an object")
            target[key] = raw[key]
    params = raw.get("ParamList") or []
    if not isinstance(params, list):
        raise errors.TARGET_INVALID.error(f"target {target_id}: ParamList must be a list")
    target["ParamList"] = [_normalise_param(target_id, p) for p in params]
    keys = [p["ResourceKey"] for p in target["ParamList"]]
    if len(set(keys)) != len(keys):
        raise errors.TARGET_INVALID.error(f"target {target_id}: duplicate ResourceKey in ParamList")
    for key, form, value in sorted(convention.SERVER_DEFAULT_PARAMS):
        if key not in keys:
            target["ParamList"].append({"ResourceKey": key, "Form": form, "Value": value})
    return target


def _normalise_param(target_id: str, raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or not isinstance(raw.get("ResourceKey"), str) or not raw["ResourceKey"]:
        raise errors.TARGET_INVALID.error(f"target {target_id}: every param needs a ResourceKey")
    forms = [f.value for f in ParamForm]
    if raw.get("Form") not in forms:
        raise errors.TARGET_INVALID.error(f"target {target_id}: param Form must be one of {forms}")
    param = {"ResourceKey": raw["ResourceKey"], "Form": raw["Form"]}
    for key in ("Value", "Template"):
        if raw.get(key) is not None:
            if not isinstance(raw[key], str) or len(raw[key]) > MAX_PARAM_TEXT:
                raise errors.TARGET_INVALID.error(
                    f"target {target_id}: param {key} must be a string of at most {MAX_PARAM_TEXT} characters"
                )
            param[key] = raw[key]
    return param


def wire_target(target: Target) -> dict[str, Any]:
    """A model target (e.g. ACR's generated one) in the wire shape PutTargets takes."""
    params = [
        {
            "ResourceKey": p.resource_key,
            "Form": p.form.value,
            **({"Value": p.value} if p.value is not None else {}),
            **({"Template": p.template} if p.template is not None else {}),
        }
        for p in target.params
    ]
    raw: dict[str, Any] = {"Id": target.id, "Type": target.type, "Endpoint": target.endpoint}
    raw["ParamList"] = params
    if target.retry_strategy is not None:
        raw["PushRetryStrategy"] = target.retry_strategy
    return normalise_target(raw)


def model_target(raw: Mapping[str, Any]) -> Target:
    params = tuple(
        Param(
            resource_key=p["ResourceKey"],
            form=ParamForm(p["Form"]),
            value=p.get("Value"),
            template=p.get("Template"),
        )
        for p in raw.get("ParamList", [])
    )
    return Target(
        id=raw["Id"],
        type=raw["Type"],
        endpoint=raw.get("Endpoint", ""),
        params=tuple(sorted(params, key=lambda p: p.resource_key)),
        retry_strategy=raw.get("PushRetryStrategy"),
    )
