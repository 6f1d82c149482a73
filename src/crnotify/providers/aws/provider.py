"""The AWS provider: reads and writes crnotify's rules on the `default` EventBridge bus through boto3.

Reading costs, per region: the rule listing, then for each ECR rule one ListTargetsByRule and one
ListTagsForResource, one listing of crnotify's API destinations, and one DescribeConnection per
connection (ListConnections returns neither descriptions nor auth parameters). Regions are read at
once, and a region's per-rule calls fan out as soon as its listing answers, at most `concurrency`
calls at a time (`crnotify.fanout`).

Writing follows the EventBridge API's upsert semantics (research/aws-facts.md §2): PutRule and
PutTargets replace the whole object, so the full desired state is always sent; PutRule ignores `Tags`
on an existing rule, so tags are then written with TagResource; targets are removed before a rule is
deleted; PutTargets and RemoveTargets report failures per entry (`FailedEntries`) without raising, so
every response is checked, and entries failing with ConcurrentModificationException are retried
(under `providers.retry`, like every call).

Nothing that crnotify does not own is changed: rules need the `crnotify:managed` and
`crnotify:registry` tags; connections and API destinations, which take no tags, need the `crnotify-`
name prefix and crnotify's description marker.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from itertools import groupby
from typing import Any

from crnotify import normalise
from crnotify.errors import AlreadyExists, AuthError, CrnotifyError, NotFound, ProviderError, TransientError
from crnotify.fanout import DEFAULT_CONCURRENCY, Fanout
from crnotify.health import Reading
from crnotify.lock import LeaseRecord
from crnotify.model import BusRule, LiveRule, LiveState, RegionRules, Registry, Rule, Target
from crnotify.model import Provider as ProviderKind
from crnotify.providers.aws import _sdk, doctor, health, lease, live, mapping, targets
from crnotify.providers.aws.errors import translate
from crnotify.providers.base import Checkup, Probe
from crnotify.providers.retry import RetryPolicy, configured
from crnotify.providers.retry import call as retry_call

BUS = mapping.BUS_NAME
_BATCH = 10  # PutTargets / RemoveTargets entries per call


class AwsProvider:
    """One provider for every `aws` registry of a config; clients are made per region on first use."""

    name = "aws"

    def __init__(
        self,
        *,
        env: Mapping[str, str] | None = None,
        session: Any = None,
        max_attempts: int | None = None,
        sleep: Callable[[float], None] | None = None,
        retry: RetryPolicy | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self.concurrency = concurrency  # calls at once while reading (crnotify.fanout)
        self._env = os.environ if env is None else env
        self._session = session
        # Every call is retried by `providers.retry`, the one policy of both providers (botocore's own
        # retries are off, see `_sdk`): throttling, 5xx and dropped connections, with full jitter.
        policy = retry if retry is not None else configured()
        if max_attempts is not None:
            policy = replace(policy, attempts=max_attempts)
        self._retry = policy if sleep is None else replace(policy, sleep=sleep)
        self._clients: dict[tuple[str, str], Any] = {}
        self._lock = threading.RLock()
        self._account: str | None = None

    # --- plumbing --------------------------------------------------------------------------------

    def client(self, region: str, service: str = "events") -> Any:
        # Apply runs independent rules' steps on worker threads; a boto3 session is not thread-safe
        # (its clients are), so clients are made under a lock.
        with self._lock:
            return self._client(region, service)

    def _client(self, region: str, service: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            try:
                if self._session is None:
                    self._session = _sdk.session()
                self._clients[key] = _sdk.client(self._session, service, region)
            except Exception as exc:
                raise translate(exc) from None
        return self._clients[key]

    def _call(self, client: Any, operation: str, secrets: Sequence[str] = (), **params: Any) -> Any:
        """One API call, translated, and retried under the provider's policy when that can help."""
        return retry_call(partial(_once, client, operation, secrets, **params), self._retry)

    def call(self, client: Any, operation: str, **params: Any) -> Any:
        """One API call, translated and retried (`doctor`, which checks what answers)."""
        return self._call(client, operation, **params)

    def checkup(self, registry: Registry, probe: Probe | None = None) -> Checkup:
        """`crnotify doctor` for one registry (`doctor`)."""
        return doctor.checkup(self, registry, probe)

    def _caller_account(self, registry: Registry) -> str:
        with self._lock:  # one GetCallerIdentity per run, whichever thread asks first
            if self._account is None:
                identity = self._call(self.client(registry.region, "sts"), "get_caller_identity")
                self._account = str(identity["Account"])
            return self._account

    def identity(self, registry: Registry) -> tuple[str, str]:
        """(account of the credentials, where the calls go: AWS_ENDPOINT_URL or "real"), for a saved
        plan's target."""
        endpoint = self._env.get("AWS_ENDPOINT_URL") or self._env.get("AWS_ENDPOINT_URL_EVENTBRIDGE")
        return self._caller_account(registry), endpoint or "real"

    def check_account(self, registry: Registry) -> None:
        """Refuse to touch an account other than the one the registry declares."""
        if not registry.account:
            return
        self._caller_account(registry)
        if self._account != registry.account:
            raise AuthError(
                f"registry {registry.name} declares AWS account {registry.account}, but the credentials "
                f"in use belong to account {self._account}",
                hint="select the right profile (AWS_PROFILE) or fix `account` in the registry",
            )

    # --- read ------------------------------------------------------------------------------------

    def read(
        self, registries: Sequence[Registry], *, names: Mapping[str, Collection[str]] | None = None
    ) -> LiveState:
        """The ECR rules on the `default` bus of each registry's region, plus any rule named in `names`.

        A rule belongs to the registry named in its `crnotify:registry` tag; a rule of a declared name
        belongs to the registry that declares it (so a name taken by someone else's rule shows up as
        a conflict, not as a create); other rules crnotify does not own go to the first registry of
        their region, to be reported as unmanaged (or imported). Rules crnotify manages for a
        registry this config does not declare are left out.
        """
        aws = sorted((r for r in registries if r.provider == "aws"), key=lambda r: r.region)
        regions = [(region, list(group)) for region, group in groupby(aws, key=lambda r: r.region)]
        for _, members in regions:
            for registry in members:
                self.check_account(registry)
        fan = Fanout(self.concurrency)
        found: dict[str, list[BusRule]] = {}
        on_bus: dict[str, list[str]] = {}  # every rule of each region's bus, for the quota check
        for region, members in regions:
            declared = {n for r in members for n in (names or {}).get(r.name, ())}
            self._read_region(
                fan,
                region,
                declared,
                then=partial(found.__setitem__, region),
                names=on_bus.setdefault(region, []),
            )
        fan.run()
        rules: list[LiveRule] = []
        for region, members in regions:
            declared_by = {n: r.name for r in reversed(members) for n in (names or {}).get(r.name, ())}
            own = {r.name for r in members}
            for bus in found[region]:
                owner = mapping.owner(bus)
                if owner in own:
                    registry_name = str(owner)
                elif bus.name in declared_by:
                    registry_name = declared_by[bus.name]
                elif owner is None:
                    registry_name = members[0].name
                else:
                    continue
                rules.append(LiveRule(registry=registry_name, name=bus.name, bus=bus))
        usage = tuple(
            RegionRules(provider=ProviderKind.AWS, region=region, bus_rules=tuple(sorted(on_bus[region])))
            for region, _ in regions
        )
        return LiveState(rules=tuple(rules), regions=usage)

    def read_health(
        self, registry: Registry, rules: Sequence[Rule], *, since: float, until: float
    ) -> list[Reading]:
        """The rules' CloudWatch metrics between `since` and `until` (`crnotify health`; `health.py`)."""
        cloudwatch = self.client(registry.region, "cloudwatch")
        return health.read_health(partial(self._call, cloudwatch), registry, rules, since=since, until=until)

    def read_bus_rule(self, registry: Registry, name: str) -> BusRule | None:
        """One rule with its targets, API destination and connection; None if it does not exist."""
        self.check_account(registry)
        client = self.client(registry.region)
        rule = self._describe_rule(client, name)
        if rule is None:
            return None
        return self._complete(client, [rule])[0]

    def registry_side(self, registry: Registry) -> None:
        """ECR has no registry-side event rules: an ECR rule *is* its EventBridge rule."""
        return

    def _read_region(
        self,
        fan: Fanout,
        region: str,
        declared: set[str],
        then: Callable[[list[BusRule]], None],
        names: list[str],
    ) -> None:
        """Submit one region's reads to `fan`: the listing, then each ECR rule's targets and tags at
        once, then the API destinations and connections they use; `then(rules)` gets the result, and
        `names` every rule name on the bus."""
        client = self.client(region)  # made on this thread: boto3 sessions are not thread-safe, clients are
        done: dict[int, tuple[Mapping[str, Any], list[Any], list[Any]]] = {}

        def listed(all_rules: list[Mapping[str, Any]]) -> None:
            names.extend(str(rule["Name"]) for rule in all_rules)
            rules = [
                rule
                for rule in all_rules
                if not rule.get("ManagedBy")
                and (
                    rule["Name"] in declared
                    or mapping.is_ecr_rule(live.parse_pattern(rule.get("EventPattern")))
                )
            ]
            if not rules:
                fan.submit(partial(self._finish, client, []), then=then)
            for index, rule in enumerate(rules):
                fan.submit(
                    partial(self._targets_and_tags, client, rule), then=partial(one, index, len(rules))
                )

        def one(index: int, count: int, item: tuple[Mapping[str, Any], list[Any], list[Any]]) -> None:
            done[index] = item
            if len(done) == count:
                fan.submit(partial(self._finish, client, [done[i] for i in range(count)]), then=then)

        fan.submit(partial(self._list_rules, client), then=listed)

    def _list_rules(self, client: Any) -> list[Mapping[str, Any]]:
        return list(self._pages(client, "list_rules", "Rules", EventBusName=BUS))

    def _complete(self, client: Any, rules: Sequence[Mapping[str, Any]]) -> list[BusRule]:
        """Rules of ListRules/DescribeRule with their targets, tags, API destinations and connections."""
        return self._finish(client, [self._targets_and_tags(client, rule) for rule in rules])

    def _targets_and_tags(
        self, client: Any, rule: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], list[Any], list[Any]]:
        aws_targets = list(
            self._pages(client, "list_targets_by_rule", "Targets", Rule=rule["Name"], EventBusName=BUS)
        )
        tags = self._call(client, "list_tags_for_resource", ResourceARN=rule["Arn"]).get("Tags", [])
        return rule, aws_targets, tags

    def _finish(
        self, client: Any, found: Sequence[tuple[Mapping[str, Any], list[Any], list[Any]]]
    ) -> list[BusRule]:
        """Rules with their targets and tags, completed with the API destinations and connections."""
        destination_arns = {
            str(t["Arn"]) for _, ts, _ in found for t in ts if live.destination_name(str(t["Arn"]))
        }
        destinations = self._destinations(client, destination_arns)
        connections = {}
        for arn in {str(d["ConnectionArn"]) for d in destinations.values() if d.get("ConnectionArn")}:
            name = live.connection_name(arn)
            connection = None if name is None else self._describe(client, "describe_connection", name)
            if connection is not None:
                connections[arn] = connection
        return [live.bus_rule(r, ts, tags, destinations, connections) for r, ts, tags in found]

    def _destinations(self, client: Any, arns: set[str]) -> dict[str, Mapping[str, Any]]:
        """API destinations by ARN: crnotify's from one listing, any other one described by name."""
        if not arns:
            return {}
        listed: dict[str, Mapping[str, Any]] = {}
        for item in self._manual_pages(client, "list_api_destinations", "ApiDestinations"):
            # moto ignores NamePrefix (aws-facts §3.2 item 7), so the prefix is checked here as well.
            if (
                str(item.get("Name", "")).startswith(targets.NAME_PREFIX)
                and item["ApiDestinationArn"] in arns
            ):
                listed[str(item["ApiDestinationArn"])] = item
        for arn in arns:
            item = listed.get(arn)
            # AWS lists the rate limit; moto only returns it from DescribeApiDestination.
            if item is None or "InvocationRateLimitPerSecond" not in item:
                name = live.destination_name(arn)
                described = None if name is None else self._describe(client, "describe_api_destination", name)
                if described is not None and described.get("ApiDestinationArn") == arn:
                    listed[arn] = described
        return listed

    def _pages(self, client: Any, operation: str, key: str, **params: Any) -> list[Any]:
        """Every item of a paginated listing; a listing that fails part-way is retried from the start."""

        def listing() -> list[Any]:
            try:
                return [
                    item
                    for page in client.get_paginator(operation).paginate(**params)
                    for item in page.get(key, [])
                ]
            except Exception as exc:
                if isinstance(exc, _sdk.failures()):
                    raise translate(exc) from None
                raise

        return retry_call(listing, self._retry)

    def _manual_pages(self, client: Any, operation: str, key: str) -> Iterator[Any]:
        """ListApiDestinations and ListConnections have no boto3 paginator (aws-facts §2)."""
        token = None
        while True:
            params: dict[str, Any] = {"NamePrefix": targets.NAME_PREFIX, "Limit": 100}
            if token:
                params["NextToken"] = token
            page = self._call(client, operation, **params)
            yield from page.get(key, [])
            token = page.get("NextToken")
            if not token:
                return

    def _describe(self, client: Any, operation: str, name: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self._call(client, operation, Name=name)
        except NotFound:
            return None
        return result

    # --- write -----------------------------------------------------------------------------------

    def put_bus_rule(self, registry: Registry, desired: BusRule, live_rule: BusRule | None) -> None:
        """Make the rule, its targets, API destinations and connections equal to `desired`."""
        self.check_account(registry)
        client = self.client(registry.region)
        existing = live_rule
        if existing is None:
            existing = self._refuse_foreign(client, registry, desired.name)
        aws_targets = []
        live_targets = {t.id: t for t in (existing.targets if existing else ())}
        for target in desired.targets:
            if live_targets.get(target.id) == target:
                continue
            arn = self._ensure_destination(client, registry, desired.name, target)
            aws_targets.append(_aws_target(target, arn))
        rule_changed = existing is None or (
            existing.pattern,
            existing.description,
            existing.enabled,
        ) != (desired.pattern, desired.description, desired.enabled)
        tags = [{"Key": k, "Value": v} for k, v in desired.tags]
        if rule_changed:
            params: dict[str, Any] = {
                "Name": desired.name,
                "EventBusName": BUS,
                "EventPattern": normalise.canonical_json(desired.pattern),
                "State": "ENABLED" if desired.enabled else "DISABLED",
                "Description": desired.description,
            }
            if existing is None:
                params["Tags"] = tags  # AWS applies Tags only when PutRule creates the rule
            rule_arn = str(self._call(client, "put_rule", **params)["RuleArn"])
        if existing is not None and existing.tags != desired.tags:
            if not rule_changed:
                rule_arn = str(
                    self._call(client, "describe_rule", Name=desired.name, EventBusName=BUS)["Arn"]
                )
            self._retag(client, rule_arn, existing.tags, desired.tags)
        for batch in _batches(aws_targets):
            self._entries(
                client, "put_targets", desired.name, Rule=desired.name, EventBusName=BUS, Targets=batch
            )
        stale = sorted(set(live_targets) - {t.id for t in desired.targets})
        for batch in _batches(stale):
            self._entries(
                client, "remove_targets", desired.name, Rule=desired.name, EventBusName=BUS, Ids=batch
            )

    def delete_bus_rule(self, registry: Registry, name: str) -> None:
        """Delete an owned rule (targets first), then its API destination and connection."""
        self.check_account(registry)
        client = self.client(registry.region)
        rule = self._describe_rule(client, name)
        if rule is not None:
            tags = self._call(client, "list_tags_for_resource", ResourceARN=rule["Arn"]).get("Tags", [])
            owner = dict(live.own_tags(tags)).get(mapping.TAG_REGISTRY)
            if dict(live.own_tags(tags)).get(mapping.TAG_MANAGED) != "true" or owner != registry.name:
                raise ProviderError(
                    f"refusing to delete rule {name}: crnotify does not manage it for {registry.name}"
                )
            ids = [
                t["Id"]
                for t in self._pages(client, "list_targets_by_rule", "Targets", Rule=name, EventBusName=BUS)
            ]
            for batch in _batches(ids):
                self._entries(client, "remove_targets", name, Rule=name, EventBusName=BUS, Ids=batch)
            self._call(client, "delete_rule", Name=name, EventBusName=BUS)
        resource = targets.resource_name(name)
        for describe, delete in (
            ("describe_api_destination", "delete_api_destination"),
            ("describe_connection", "delete_connection"),
        ):
            found = self._describe(client, describe, resource)
            if found is not None and _ours(found, registry.name, name):
                with contextlib.suppress(NotFound):
                    self._call(client, delete, Name=resource)

    # --- the apply lock (`crnotify.lock.LeaseStore`; leases are event buses, see `lease`) ------

    def lease_scope(self, registry: Registry) -> str:
        return lease.scope(registry)

    def list_leases(self, registry: Registry, prefix: str) -> list[LeaseRecord]:
        self.check_account(registry)
        return lease.list_leases(self, self.client(registry.region), prefix)

    def create_lease(self, registry: Registry, name: str, description: str) -> None:
        self.check_account(registry)
        self._call(self.client(registry.region), "create_event_bus", Name=name, Tags=lease.tags(description))

    def update_lease(self, registry: Registry, name: str, description: str) -> None:
        client = self.client(registry.region)
        resource = lease.arn(self, client, name)
        self._call(client, "tag_resource", ResourceARN=resource, Tags=lease.tags(description))

    def delete_lease(self, registry: Registry, name: str) -> None:
        self._call(self.client(registry.region), "delete_event_bus", Name=name)  # absent: no error

    def lease_location(self, registry: Registry, name: str) -> str:
        return f"the EventBridge event bus {name} in {registry.region}"

    # --- write helpers ---------------------------------------------------------------------------

    def _describe_rule(self, client: Any, name: str) -> dict[str, Any] | None:
        try:
            result: dict[str, Any] = self._call(client, "describe_rule", Name=name, EventBusName=BUS)
        except NotFound:
            return None
        return result

    def _refuse_foreign(self, client: Any, registry: Registry, name: str) -> BusRule | None:
        """Before creating: PutRule would overwrite a rule of the same name, so look first."""
        rule = self._describe_rule(client, name)
        if rule is None:
            return None
        tags = self._call(client, "list_tags_for_resource", ResourceARN=rule["Arn"]).get("Tags", [])
        own = dict(live.own_tags(tags))
        if own.get(mapping.TAG_MANAGED) != "true" or own.get(mapping.TAG_REGISTRY) != registry.name:
            raise AlreadyExists(
                f"an EventBridge rule named {name} already exists on the default bus of {registry.region} "
                "and crnotify does not manage it",
                hint="rename the rule, or adopt it with "
                f"`crnotify import --registry {registry.name} --adopt`",
            )
        aws_targets = list(
            self._pages(client, "list_targets_by_rule", "Targets", Rule=name, EventBusName=BUS)
        )
        # Only ids and tags matter here: every desired target is rewritten in full.
        return live.bus_rule(rule, aws_targets, tags, {}, {})

    def _ensure_destination(self, client: Any, registry: Registry, rule: str, target: Target) -> str:
        """Create or update the rule's connection and API destination; return the destination ARN."""
        if target.type != targets.TARGET_TYPE:
            raise ProviderError(f"rule {rule}: crnotify cannot write a target of type {target.type!r}")
        auth_param = target.param("Auth")
        if auth_param is None:
            raise ProviderError(f"rule {rule}: target {target.id} has no connection settings")
        summary = targets.AuthSummary.from_param(auth_param)
        try:
            spec = summary.resolve(rule, self._env)
        except ValueError as exc:
            raise CrnotifyError(str(exc)) from None
        secrets = [spec.header_value if spec.header_secret else "", *(v for _, v in spec.query)]
        name = targets.resource_name(rule)
        connection = self._describe(client, "describe_connection", name)
        fields = {
            "Name": name,
            "Description": targets.connection_description(registry.name, rule, summary),
            "AuthorizationType": "API_KEY",
            "AuthParameters": spec.auth_parameters(),
        }
        created = False
        if connection is None:
            connection, created = self._create(client, "connection", secrets, fields)
        if not created:
            _require_ours(connection, registry.name, rule, "connection")
            # Secrets cannot be compared (AWS never returns them), so the whole auth is put again.
            if "InvocationHttpParameters" not in spec.auth_parameters():
                fields["AuthParameters"] = {
                    **spec.auth_parameters(),
                    "InvocationHttpParameters": {"QueryStringParameters": []},
                }
            connection = self._call(client, "update_connection", secrets, **fields)
        if connection.get("ConnectionState") not in (None, "AUTHORIZED", "AUTHORIZING", "UPDATING"):
            raise ProviderError(f"connection {name} is {connection.get('ConnectionState')}, not AUTHORIZED")
        method = target.param("HttpMethod")
        rate = target.param("RateLimitPerSecond")
        destination_fields = {
            "Name": name,
            "Description": targets.destination_description(registry.name, rule),
            "ConnectionArn": connection["ConnectionArn"],
            "InvocationEndpoint": spec.endpoint,
            "HttpMethod": (method.value if method else None) or targets.HTTP_METHOD,
            "InvocationRateLimitPerSecond": int(
                (rate.value if rate else None) or targets.DEFAULT_RATE_PER_SECOND
            ),
        }
        destination = self._describe(client, "describe_api_destination", name)
        created = False
        if destination is None:
            destination, created = self._create(client, "api_destination", (), destination_fields)
        if not created:
            _require_ours(destination, registry.name, rule, "API destination")
            if any(destination.get(key) != value for key, value in destination_fields.items()):
                destination = self._call(client, "update_api_destination", **destination_fields)
        return str(destination["ApiDestinationArn"])  # ends in a UUID: always read back, never built

    def _create(
        self, client: Any, kind: str, secrets: Sequence[str], fields: Mapping[str, Any]
    ) -> tuple[dict[str, Any], bool]:
        """Create a connection or API destination; return it and whether this call created it.

        Safe to repeat (issue 7): when AWS applied an earlier attempt whose reply was lost, the retry
        answers ResourceAlreadyExistsException. The object is then described by name and returned as
        not created, so the caller checks crnotify's marker (never taking over a foreign object) and
        converges it like any existing one.
        """
        try:
            result: dict[str, Any] = self._call(client, f"create_{kind}", secrets, **fields)
        except AlreadyExists:
            existing = self._describe(client, f"describe_{kind}", fields["Name"])
            if existing is None:  # deleted again meanwhile: nothing to converge, report the conflict
                raise
            return existing, False
        return result, True

    def _retag(
        self,
        client: Any,
        arn: str,
        before: tuple[tuple[str, str], ...],
        after: tuple[tuple[str, str], ...],
    ) -> None:
        self._call(client, "tag_resource", ResourceARN=arn, Tags=[{"Key": k, "Value": v} for k, v in after])
        stale = sorted(set(dict(before)) - set(dict(after)))
        if stale:
            self._call(client, "untag_resource", ResourceARN=arn, TagKeys=stale)

    def _entries(self, client: Any, operation: str, rule: str, **params: Any) -> None:
        """PutTargets/RemoveTargets, checking `FailedEntries` and retrying concurrent modifications."""
        key = "Targets" if operation == "put_targets" else "Ids"
        pending = list(params.pop(key))
        action = "PutTargets" if operation == "put_targets" else "RemoveTargets"

        def once() -> None:
            nonlocal pending
            response = _once(client, operation, (), **params, **{key: pending})
            failed = response.get("FailedEntries") or []
            if not failed:
                return
            busy = {
                f.get("TargetId") for f in failed if f.get("ErrorCode") == "ConcurrentModificationException"
            }
            detail = "; ".join(
                f"target {f.get('TargetId')}: {f.get('ErrorCode')}: {f.get('ErrorMessage')}" for f in failed
            )
            message = f"events:{action} on rule {rule} failed for {len(failed)} target(s): {detail}"
            if len(busy) < len(failed):
                raise ProviderError(message)
            # Only a concurrent modification: send the entries that failed again, under the same policy
            # as every other call (they are whole targets or ids: safe to repeat).
            pending = [e for e in pending if (e["Id"] if isinstance(e, dict) else e) in busy]
            raise TransientError(message, code="ConcurrentModificationException")

        retry_call(once, self._retry)


def _once(client: Any, operation: str, secrets: Sequence[str] = (), **params: Any) -> Any:
    """One boto3 call, its failures translated into crnotify errors (the retry is the caller's)."""
    try:
        return getattr(client, operation)(**params)
    except Exception as exc:
        if isinstance(exc, _sdk.failures()):
            raise translate(exc, secrets=secrets) from None
        raise


def _aws_target(target: Target, destination_arn: str) -> dict[str, Any]:
    """The full PutTargets entry: PutTargets replaces a target whole, so every field is sent."""
    entry: dict[str, Any] = {"Id": target.id, "Arn": destination_arn}
    role = target.param("RoleArn")
    if role is not None and role.value:
        entry["RoleArn"] = role.value
    body = target.param("Body")
    transformer = None if body is None else targets.input_transformer(body)
    if transformer is not None:
        entry["InputTransformer"] = transformer
    return entry


def _batches(items: Sequence[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(items), _BATCH):
        yield list(items[start : start + _BATCH])


def _ours(resource: Mapping[str, Any], registry: str, rule: str) -> bool:
    marker = targets.parse_description(resource.get("Description"))
    return marker is not None and marker.get("rule") == rule and marker.get("registry") == registry


def _require_ours(resource: Mapping[str, Any], registry: str, rule: str, kind: str) -> None:
    if not _ours(resource, registry, rule):
        raise AlreadyExists(
            f"an EventBridge {kind} named {resource.get('Name')} exists and crnotify did not create it "
            f"for rule {rule} of registry {registry}",
            hint="rename or delete it; crnotify never changes objects it does not own",
        )
