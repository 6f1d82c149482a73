"""What validation checks only for `aws` registries and their rules: what Amazon ECR emits and what
Amazon EventBridge can do.

Sources: research/aws-facts.md §1.2 (ECR detail-types and their closest ACR types), §2 (API
destinations must be HTTPS, input transformers), §4 (pattern operators), §5 (sizes). What ECR emits
and how a rule becomes an EventBridge rule is `crnotify.providers.aws.mapping`, which these checks ask.
"""

from __future__ import annotations

from crnotify import tagregex
from crnotify.diagnostics import codes, quote
from crnotify.diagnostics.reporter import Item, Reporter, provider_fields
from crnotify.model import EventType, NotifyMethod, Registry, Rule
from crnotify.patterns import InvalidPatternError, compile_pattern
from crnotify.providers.aws import mapping
from crnotify.providers.base import RegistryTarget


def check_aws_rule(
    rep: Reporter, item: Item, event_type: EventType, method: NotifyMethod, tags_ok: bool
) -> None:
    reason = mapping.unsupported_reason(event_type)
    if reason is not None:
        rep.error(
            codes.AWS_EVENT,
            item,
            ("event",),
            f"event {event_type.short_name} is not available on aws: {reason}",
            hint="move this rule to an alibaba registry, or choose another event",
        )
    tags = item.data.get("tags")
    if tags_ok and isinstance(tags, str):
        try:
            matchers = tagregex.to_eventbridge(tags)
            if matchers:  # EventBridge refuses wildcards beyond event-ruler's complexity limit
                compile_pattern({"tag": list(matchers)}, dialect="aws")
        except InvalidPatternError as exc:
            rep.error(
                codes.AWS_TAG_REGEX,
                item,
                ("tags",),
                f"tags {quote(tags)} cannot be filtered on Amazon EventBridge: {exc.reason}",
                hint="on aws use fewer '.*' per alternative, or split the rule by tag",
            )
        except tagregex.Inexpressible as exc:
            rep.error(
                codes.AWS_TAG_REGEX,
                item,
                ("tags",),
                f"tags {quote(tags)} cannot be filtered on Amazon EventBridge: {exc.reason}",
                hint="on aws write exact tags, 'abc.*' (prefix), '.*abc' (suffix), 'a.*b' (wildcard) "
                "or alternatives of those, e.g. 'v1|v2' or 'release-.*|hotfix-.*'",
            )
    notify = item.data["notify"]
    if method is NotifyMethod.DINGTALK and "secret" in notify["dingtalk"]:
        rep.error(
            codes.AWS_DINGTALK_SIGNING,
            item,
            ("notify", "dingtalk", "secret"),
            "DingTalk signing is not possible on aws: each request must carry an HMAC of the current "
            "time, and EventBridge API destinations send a fixed URL without per-request computation",
            hint="set the robot's security to custom keywords (and put a keyword in the message), "
            "then remove `secret`",
            key=True,
        )
    if method is NotifyMethod.HTTP:
        rep.error(
            codes.AWS_HTTP,
            item,
            ("notify", "http"),
            "plain HTTP is not possible on aws: EventBridge API destinations only call https:// endpoints",
            hint="serve the endpoint over HTTPS and use notify.https",
            key=True,
        )


def check_aws_built(rep: Reporter, item: Item, rule: Rule, registry: Registry, *, clean: bool) -> None:
    """Checks that need the built rule: its message template and, for a `clean` rule (no other
    error), the sizes of what crnotify would write."""
    for problem in mapping.template_problems(rule):
        rep.error(
            codes.AWS_TEMPLATE,
            item,
            problem.path,
            problem.message,
            hint="AWS messages are EventBridge input transformers; see docs/aws.md, 'Targets'",
        )
    if clean:
        for problem in mapping.size_problems(rule, registry):
            rep.error(codes.AWS_SIZE, item, problem.path, problem.message, hint=problem.hint)


def check_registry(rep: Reporter, item: Item) -> RegistryTarget | None:
    provider_fields(rep, item, needed="account", forbidden="instance_id", why="an AWS account")
    account, region = item.data.get("account"), str(item.data["region"])
    if account is None:
        return None
    return RegistryTarget(key=("aws", str(account), region), where=f"AWS account {account} in {region}")
