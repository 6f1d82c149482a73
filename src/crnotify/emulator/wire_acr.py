"""Container Registry (2018-12-01) event-center actions on the wire.

Responses follow the SDK's models, including their inconsistency: UpdateEventCenterRule's `Code` is
the integer 200, Delete/List answer the string "success" plus `IsSuccess` (research/alibaba-facts.md
§1.3–1.6). CreateEventCenterRule is not in the SDK or the docs; it takes the parameters a public raw
RPC client sends (§1.1) and answers like UpdateEventCenterRule, plus `IsSuccess`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator.acr import spec_from_params
from crnotify.emulator.wire import ACR_VERSION, Body, Call, Route
from crnotify.providers.alibaba import convention

# The parameters that make up a rule's registry side (convention.RegistrySpec.to_params keys).
SPEC_PARAMS = (
    "RuleName",
    "EventChannel",
    "EventType",
    "EventScope",
    "Namespaces",
    "RepoNames",
    "RepoTagFilterPattern",
    "EventConfig",
)


def _spec_params(call: Call) -> dict[str, str]:
    params = {name: call.params[name] for name in SPEC_PARAMS if name in call.params}
    channel = params.get("EventChannel", convention.EVENT_CHANNEL)
    if channel != convention.EVENT_CHANNEL:
        raise errors.INVALID_PARAMETER.error(
            f"EventChannel must be {convention.EVENT_CHANNEL}, not {channel!r}"
        )
    return params


def _success(call: Call, **fields: Any) -> Body:
    """Delete's and the List actions' envelope: the string "success" plus `IsSuccess`."""
    return {"RequestId": call.request_id, "Code": "success", "IsSuccess": True, **fields}


def create_event_center_rule(call: Call) -> Body:
    instance_id = call.required("InstanceId")
    for name in ("RuleName", "EventType", "EventConfig"):
        call.required(name)
    spec = spec_from_params(_spec_params(call))
    rule_id = call.state.create_event_center_rule(
        call.account, call.region, instance_id=instance_id, spec=spec
    )
    return {"RequestId": call.request_id, "Code": 200, "IsSuccess": True, "RuleId": rule_id}


# Emulator only: what the console does when a person creates a rule there (`crnotify emulator console
# create`). Not an OpenAPI action, so the variant create-call (which governs the OpenAPI action) leaves
# it alone: the way out the error of a missing CreateEventCenterRule points to.
CONSOLE_CREATE = "ConsoleCreateEventCenterRule"


def update_event_center_rule(call: Call) -> Body:
    rule_id = call.state.update_event_center_rule(
        call.account,
        call.region,
        instance_id=call.required("InstanceId"),
        rule_id=call.required("RuleId"),
        params=_spec_params(call),
    )
    return {"RequestId": call.request_id, "Code": 200, "RuleId": rule_id}


def delete_event_center_rule(call: Call) -> Body:
    call.state.delete_event_center_rule(
        call.account, call.region, instance_id=call.required("InstanceId"), rule_id=call.required("RuleId")
    )
    return _success(call)


def list_event_center_rule_name(call: Call) -> Body:
    names = call.state.list_event_center_rule_name(
        call.account, call.region, instance_id=call.required("InstanceId")
    )
    return _success(call, RuleNames=[{"RuleId": rule_id, "RuleName": name} for rule_id, name in names])


def list_event_center_record(call: Call) -> Body:
    page_no = call.integer("PageNo", default=1, low=1, high=1_000_000)
    page_size = call.integer("PageSize", default=30, low=1, high=100)
    records, total = call.state.list_event_center_record(
        call.account,
        call.region,
        instance_id=call.required("InstanceId"),
        event_type=call.optional("EventType"),
        rule_id=call.optional("RuleId"),
        namespace=call.optional("RepoNamespaceName"),
        repo_name=call.optional("RepoName"),
        page_no=page_no,
        page_size=page_size,
    )
    return _success(call, PageNo=page_no, PageSize=page_size, TotalCount=total, Records=records)


def list_namespace(call: Call) -> Body:
    return _page(call, call.state.list_namespace, "Namespaces")


def list_repository(call: Call) -> Body:
    return _page(
        call, call.state.list_repository, "Repositories", namespace=call.optional("RepoNamespaceName")
    )


def list_repo_tag(call: Call) -> Body:
    return _page(call, call.state.list_repo_tag, "Images", repo_id=call.required("RepoId"))


def _page(call: Call, listing: Callable[..., tuple[list[Any], int]], key: str, **filters: Any) -> Body:
    """One page of an instance's listing (ListNamespace, ListRepository, ListRepoTag), as ACR pages."""
    page_no, page_size = _paging(call)
    items, total = listing(
        call.account,
        call.region,
        instance_id=call.required("InstanceId"),
        page_no=page_no,
        page_size=page_size,
        **filters,
    )
    return _success(call, PageNo=page_no, PageSize=page_size, TotalCount=total, **{key: items})


def _paging(call: Call) -> tuple[int, int]:
    return (
        call.integer("PageNo", default=1, low=1, high=1_000_000),
        call.integer("PageSize", default=30, low=1, high=100),
    )


def _route(action: str, handler: object, summary: str, *, in_sdk: bool = True) -> Route:
    assert callable(handler)
    return Route("Container Registry", ACR_VERSION, action, handler, summary, in_sdk=in_sdk)


ROUTES = (
    _route(
        "CreateEventCenterRule",
        create_event_center_rule,
        "Create a rule; generates its bus rule on `default`",
        in_sdk=False,
    ),
    _route(
        CONSOLE_CREATE,
        create_event_center_rule,
        "Emulator only: a rule created in the console (`crnotify emulator console create`), "
        "whatever the variant create-call",
        in_sdk=False,
    ),
    _route(
        "UpdateEventCenterRule",
        update_event_center_rule,
        "Change a rule; regenerates its bus rule, discarding bus-side edits",
    ),
    _route("DeleteEventCenterRule", delete_event_center_rule, "Delete a rule and its bus rule"),
    _route("ListEventCenterRuleName", list_event_center_rule_name, "Rule ids and names of an instance"),
    _route(
        "ListEventCenterRecord",
        list_event_center_record,
        "Events each rule's scope covered (emitted or pushed), paged",
    ),
    _route("ListNamespace", list_namespace, "Namespaces of an instance (from published events), paged"),
    _route("ListRepository", list_repository, "Repositories of an instance, by namespace, paged"),
    _route("ListRepoTag", list_repo_tag, "Tags of a repository (by RepoId), newest first, paged"),
)
