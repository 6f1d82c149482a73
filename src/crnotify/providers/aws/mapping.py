"""A declared rule of an `aws` registry → the EventBridge rule on the `default` bus. Pure.

Amazon ECR sends its events to the account's `default` bus in each region (research/aws-facts.md §1.1),
so every crnotify rule for ECR lives there. The ACR event types map to AWS detail-types as follows
(aws-facts §1.2):

| declared type     | AWS events (source)                                 | tag field            |
|-------------------|-----------------------------------------------------|----------------------|
| `scan`            | `ECR Image Scan` (aws.ecr): basic scanning, and     | `image-tags` (array) |
|                   | `Inspector2 Scan` (aws.inspector2): enhanced        | `image-tags` (array) |
| `synchronization` | `ECR Replication Action` (aws.ecr)                  | `image-tag` (string) |
| `signing`         | `ECR Referrer Action` (aws.ecr)                     | `image-tag` (string) |
| `push`            | `ECR Image Action` (aws.ecr), `action-type: PUSH`,  | `image-tag` (string) |
|                   | `result: SUCCESS`                                   |                      |
| `build`           | none: a validation error naming the alternative     |                      |
| `delivery-chain`  | none: a validation error naming the alternative     |                      |

Decisions, each a documented inference rather than an observation:

- `scan` matches both scanning modes with a top-level `$or`, because the registry's scanning mode is set
  outside crnotify and switching it must not silently stop notifications. In the Inspector branch the
  repository scope is matched on `resources` (the repository ARN, built from the registry's account and
  region), since Inspector's `detail.repository-name` holds an ARN in AWS's own sample. A `FAILED`-only
  status filter has no Inspector counterpart, so that branch is then left out; `COMPLETE` maps to
  Inspector's `INITIAL_SCAN_COMPLETE`.
- `signing` matches every referrer action (signatures, SBOMs, attestations): AWS publishes no field
  that marks a referrer as a signature, and a narrower guess could make the rule never fire.
- `push` is ACR's `cr:Artifact:PushCompleted`: `ECR Image Action` also reports deletions
  (`action-type: DELETE`), so the pattern pins `action-type: PUSH`. It also pins `result: SUCCESS`:
  the ECR guide documents this event as "sent when each image push is completed" and its sample has
  only `SUCCESS`; no failed-push event is documented, and were one ever sent with another result it
  would not be a completed push, which is what the declared type means.
- Scope: `namespace/repo` is the ECR repository name `namespace/repo` (ECR names may contain `/`); a
  namespace scope is the prefix `namespace/`.
- Tag regexes are matched against the whole tag (`crnotify.tagregex`). Only regexes equal to a set of
  exact, prefix, suffix or wildcard strings translate; anything else is refused rather than
  approximated. Scan events carry all tags of the image in `image-tags`;
  EventBridge matches when any of them matches, where ACR sends one event per tag.

Ownership is recorded in tags on the rule: `crnotify:managed=true`, `crnotify:registry=<name>` and
`crnotify:spec=<digest of the rule as crnotify wrote it>`. A rule whose content no longer matches its
spec tag was edited outside crnotify (`edited_outside`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from crnotify import normalise, tagregex
from crnotify.model import (
    JSON,
    BusRule,
    EventType,
    NotifyMethod,
    Registry,
    Rule,
    ScanStatus,
    ScopeKind,
)
from crnotify.providers.aws import targets

BUS_NAME = "default"
SOURCE_ECR = "aws.ecr"
SOURCE_INSPECTOR = "aws.inspector2"
TAG_MANAGED = "crnotify:managed"
TAG_REGISTRY = "crnotify:registry"
TAG_SPEC = "crnotify:spec"
TAG_PREFIX = "crnotify:"
PATTERN_MAX_CHARS = 2048  # the event-pattern quota (aws-facts §5), stricter than the API model's 4096
DESCRIPTION_MAX_CHARS = 512


@dataclass(frozen=True, slots=True)
class EcrEvent:
    """One AWS event a declared type matches."""

    source: str
    detail_type: str
    tag_field: str  # `image-tag` (a string) or `image-tags` (an array)
    # `detail` fields every pattern for this event pins, e.g. `action-type: ["PUSH"]`
    fixed: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def label(self) -> str:
        """The detail-type, with the action it is pinned to: `ECR Image Action PUSH`."""
        actions = dict(self.fixed).get("action-type", ())
        return " ".join((self.detail_type, *actions))


SCAN_BASIC = EcrEvent(SOURCE_ECR, "ECR Image Scan", "image-tags")
SCAN_ENHANCED = EcrEvent(SOURCE_INSPECTOR, "Inspector2 Scan", "image-tags")
REPLICATION = EcrEvent(SOURCE_ECR, "ECR Replication Action", "image-tag")
REFERRER = EcrEvent(SOURCE_ECR, "ECR Referrer Action", "image-tag")
IMAGE_PUSH = EcrEvent(
    SOURCE_ECR, "ECR Image Action", "image-tag", fixed=(("action-type", ("PUSH",)), ("result", ("SUCCESS",)))
)

EVENTS: Mapping[EventType, tuple[EcrEvent, ...]] = {
    EventType.SCAN: (SCAN_BASIC, SCAN_ENHANCED),
    EventType.SYNCHRONIZATION: (REPLICATION,),
    EventType.SIGNING: (REFERRER,),
    EventType.PUSH: (IMAGE_PUSH,),
}
_UNSUPPORTED = {
    EventType.BUILD: (
        "Amazon ECR emits no build events (images are built outside ECR, e.g. by AWS CodeBuild, whose "
        "events crnotify does not manage); the closest ECR event is 'push' (ECR Image Action), sent when "
        "the built image is pushed"
    ),
    EventType.DELIVERY_CHAIN: (
        "Amazon ECR has no delivery chains; the closest ECR events are 'scan' (ECR Image Scan) for scan "
        "results, 'signing' (ECR Referrer Action) for signatures and 'synchronization' (ECR Replication "
        "Action) for distribution"
    ),
}
_BASIC_STATUS = {ScanStatus.COMPLETE: "COMPLETE", ScanStatus.FAILED: "FAILED"}
_INSPECTOR_STATUS = {ScanStatus.COMPLETE: "INITIAL_SCAN_COMPLETE"}


def unsupported_reason(event_type: EventType) -> str | None:
    """Why an event type cannot be used on AWS (naming the closest alternative), or None."""
    return _UNSUPPORTED.get(event_type)


def tag_values(regex: str) -> tuple[JSON, ...]:
    """The pattern values for a tag regex; `()` when every tag matches. Raises ValueError otherwise.

    The translation is `crnotify.tagregex.to_eventbridge`, the same function validation uses (CRN302).
    """
    try:
        values = tagregex.to_eventbridge(regex)
    except tagregex.Inexpressible as exc:
        raise ValueError(f"tags {regex!r} cannot be filtered on Amazon EventBridge: {exc.reason}") from None
    return () if values is None else tuple(values)


# --- declared rule → EventBridge rule ---------------------------------------------------------------


def repository_names(rule: Rule) -> tuple[JSON, ...]:
    """`detail.repository-name` values for the rule's scope; () for the whole registry."""
    scope = rule.scope
    if scope.kind is ScopeKind.NAMESPACE:
        return tuple({"prefix": f"{ns}/"} for ns in scope.namespaces)
    if scope.kind is ScopeKind.REPO:
        return tuple(_repo(ns, repo) for ns in scope.namespaces for repo in scope.repositories)
    return ()


def _repo(namespace: str, repository: str) -> str:
    return f"{namespace}/{repository}" if namespace else repository


def _repository_arns(rule: Rule, registry: Registry) -> tuple[JSON, ...]:
    base = f"arn:aws:ecr:{registry.region}:{registry.account}:repository/"
    scope = rule.scope
    if scope.kind is ScopeKind.NAMESPACE:
        return tuple({"prefix": f"{base}{ns}/"} for ns in scope.namespaces)
    if scope.kind is ScopeKind.REPO:
        return tuple(base + _repo(ns, repo) for ns in scope.namespaces for repo in scope.repositories)
    return ()


def _branch(event: EcrEvent, rule: Rule, registry: Registry) -> dict[str, JSON] | None:
    pattern: dict[str, JSON] = {"source": [event.source], "detail-type": [event.detail_type]}
    detail: dict[str, JSON] = {key: list(values) for key, values in event.fixed}
    if event is SCAN_ENHANCED:
        arns = _repository_arns(rule, registry)
        if arns:
            pattern["resources"] = list(arns)
    else:
        names = repository_names(rule)
        if names:
            detail["repository-name"] = list(names)
    tags = tag_values(rule.tag_pattern)
    if tags:
        detail[event.tag_field] = list(tags)
    if rule.scan_status:
        table = _INSPECTOR_STATUS if event is SCAN_ENHANCED else _BASIC_STATUS
        statuses = [table[s] for s in rule.scan_status if s in table]
        if not statuses:
            return None
        detail["scan-status"] = statuses
    if detail:
        pattern["detail"] = detail
    return pattern


def desired_pattern(rule: Rule, registry: Registry) -> dict[str, JSON]:
    """The event pattern of a declared rule. Raises ValueError for what `rule_problems` reports."""
    reason = unsupported_reason(rule.event_type)
    if reason is not None:
        raise ValueError(f"rule {rule.name}: {reason}")
    branches = [b for e in EVENTS[rule.event_type] if (b := _branch(e, rule, registry)) is not None]
    return branches[0] if len(branches) == 1 else {"$or": branches}


def default_description(rule: Rule, registry: Registry) -> str:
    detail_types = ", ".join(e.label for e in EVENTS.get(rule.event_type, ()))
    return f"{detail_types} notifications of registry {registry.name}, managed by crnotify"


def role_arn(registry: Registry) -> str:
    return registry.invoke_role_arn or targets.default_role_arn(registry.account or "")


def desired_bus_rule(rule: Rule, registry: Registry) -> BusRule:
    """The EventBridge rule crnotify wants for a declared rule, in canonical form, tags included.

    The rule's secrets must be resolved (their fingerprint is part of the target).
    """
    bus = BusRule(
        name=rule.name,
        pattern=desired_pattern(rule, registry),
        description=rule.bus.description
        if rule.bus.description is not None
        else default_description(rule, registry),
        enabled=True if rule.bus.enabled is None else rule.bus.enabled,
        targets=(targets.desired_target(rule, role_arn(registry)),),
    )
    bus = normalise.bus_rule(bus)
    return replace(bus, tags=ownership_tags(registry.name, content_digest(bus)))


def ownership_tags(registry: str, digest: str) -> tuple[tuple[str, str], ...]:
    return ((TAG_MANAGED, "true"), (TAG_REGISTRY, registry), (TAG_SPEC, digest))


def adopted(bus: BusRule, registry: str) -> BusRule:
    """A live rule as it is, with the tags that make it crnotify's (`import --adopt`)."""
    return replace(bus, tags=ownership_tags(registry, content_digest(bus)))


def content_digest(bus: BusRule) -> str:
    """A hash of everything on a rule but its tags, in canonical form: what `crnotify:spec` records."""
    document = normalise.bus_rule_document(replace(bus, tags=()))
    return normalise.digest(document)


def tag_value(bus: BusRule, key: str) -> str | None:
    return dict(bus.tags).get(key)


def owner(bus: BusRule) -> str | None:
    """The registry that owns a live rule, or None when crnotify does not manage it."""
    if tag_value(bus, TAG_MANAGED) != "true":
        return None
    return tag_value(bus, TAG_REGISTRY)


def edited_outside(bus: BusRule) -> bool:
    """True when a managed rule's content differs from what crnotify last wrote (its spec tag)."""
    spec = tag_value(bus, TAG_SPEC)
    return spec is not None and spec != content_digest(bus)


def is_ecr_rule(pattern: Mapping[str, JSON]) -> bool:
    """Whether a pattern selects ECR or Inspector events (directly or in a top-level `$or`)."""
    branches: Sequence[JSON] = pattern.get("$or") or [pattern]
    for branch in branches:
        sources = branch.get("source") if isinstance(branch, Mapping) else None
        if isinstance(sources, list) and {SOURCE_ECR, SOURCE_INSPECTOR} & {
            s for s in sources if isinstance(s, str)
        }:
            return True
    return False


# --- checks for validation ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """A reason a declared rule cannot be applied to AWS, at `path` inside the rule's YAML."""

    path: tuple[str, ...]
    message: str
    hint: str | None = None  # what to do about it, when the message does not already say

    @property
    def field(self) -> str:
        return ".".join(self.path)


_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_\-]+")
_ANGLE = re.compile(r"<([A-Za-z0-9_.\-]+)>")
_EVENT_FIELDS = ("$.detail", "$.account", "$.region", "$.time", "$.resources", "$.id", "$.source")


def rule_problems(rule: Rule, registry: Registry) -> list[Problem]:
    """Every reason this rule cannot be expressed on AWS; empty when it can."""
    problems: list[Problem] = []
    reason = unsupported_reason(rule.event_type)
    if reason is not None:
        problems.append(Problem(("event",), f"event type {rule.event_type.short_name!r}: {reason}"))
    try:
        tag_values(rule.tag_pattern)
    except ValueError as exc:
        problems.append(Problem(("tags",), str(exc)))
    if not registry.account:
        problems.append(
            Problem(("registry",), f"aws registry {registry.name!r} needs its 12-digit account id")
        )
    notify = rule.notify
    if notify.method is NotifyMethod.DINGTALK and notify.secret is not None:
        problems.append(
            Problem(
                ("notify", "dingtalk", "secret"),
                "DingTalk signing needs a fresh timestamp and HMAC signature computed for every request; "
                "EventBridge API destinations send only fixed headers and query parameters, so a signed "
                "robot cannot be called from AWS. Use a robot with keyword security (the default message "
                "contains the keyword `crnotify`) and remove `secret`",
            )
        )
    if notify.method is NotifyMethod.HTTP:
        problems.append(
            Problem(
                ("notify", "http"),
                "EventBridge API destinations call HTTPS endpoints only; use `https` with an https:// URL",
            )
        )
    problems += template_problems(rule)
    if not problems:
        problems += size_problems(rule, registry)
    return problems


def size_problems(rule: Rule, registry: Registry) -> list[Problem]:
    """Sizes EventBridge limits: the pattern (2048 characters) and descriptions (512).

    Call it only for a rule without other problems (its pattern must be computable).
    """
    problems = []
    size = len(normalise.canonical_json(desired_pattern(rule, registry)))
    if size > PATTERN_MAX_CHARS:
        problems.append(
            Problem(
                ("scope",),
                f"the event pattern would be {size} characters; EventBridge allows {PATTERN_MAX_CHARS}",
                hint="split the rule, or scope it by namespaces instead of listing many repositories",
            )
        )
    description = rule.bus.description or ""
    if len(description) > DESCRIPTION_MAX_CHARS:
        problems.append(
            Problem(
                ("bus", "description"),
                f"bus.description is {len(description)} characters; EventBridge descriptions hold "
                f"{DESCRIPTION_MAX_CHARS}",
                hint="shorten it",
            )
        )
    summary = targets.AuthSummary(
        url=rule.notify.url.template,
        token=None if rule.notify.secret is None else rule.notify.secret.template,
        header=None,
        query=(),
        fp="0" * 12,
    )
    if len(targets.connection_description(registry.name, rule.name, summary)) > DESCRIPTION_MAX_CHARS:
        problems.append(
            Problem(
                ("notify",),
                "the notify URL is too long to record on the connection's description (512 characters)",
                hint="put the URL in an environment variable and write `${env:NAME}`",
            )
        )
    return problems


def template_problems(rule: Rule) -> list[Problem]:
    """What an input transformer cannot do with the rule's `bus.template` (none without one)."""
    template = rule.bus.template
    if template is None:
        return []
    problems = []
    for name, path in template.variables:
        if not _VARIABLE_NAME.fullmatch(name) or name.startswith("AWS."):
            problems.append(
                Problem(
                    ("bus", "template", "variables", name),
                    f"variable {name!r}: input transformer variables use letters, digits, `_` and `-`",
                )
            )
        if not path.startswith(_EVENT_FIELDS):
            problems.append(
                Problem(
                    ("bus", "template", "variables", name),
                    f"variable {name!r}: {path!r} is not a field of an AWS event; ECR fields live under "
                    "`$.detail` (e.g. `$.detail.repository-name`), not `$.data`",
                )
            )
    for key, text in (("text", template.text), ("title", template.title or "")):
        problems += [
            Problem(
                ("bus", "template", key),
                f"`{match.group(0)}` is how EventBridge input templates write a placeholder, and it "
                "cannot be escaped; use ${name} for variables and avoid `<…>` in the text",
            )
            for match in _ANGLE.finditer(text)
        ]
    return problems
