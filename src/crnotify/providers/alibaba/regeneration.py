"""Waiting, after a registry write, until ACR has regenerated the bus rule (issue 14 row 5).

Whether ACR writes the generated bus rule with the registry save or some time after it is not
documented; Terraform's alicloud provider waits after EventBridge rule state changes until GetRule
shows them (`BuildStateConf`). Re-applying the bus customisations before the regeneration lands
would have them discarded a moment later, so the provider polls GetRule — bounded, with exponential
backoff (`providers.retry.poll`) — until the regeneration shows:

until GetRule shows the bus rule a save of the spec written generates (`convention.generated_for`:
no crnotify marker — ACR writes its own description — and the pattern and target of that spec). A
bus rule that already showed exactly that before the save cannot be told from its regeneration.

With a synchronous cloud the first GetRule already shows it: one call, no wait.
"""

from __future__ import annotations

from crnotify.errors import TransientError
from crnotify.model import BusRule
from crnotify.providers import retry
from crnotify.providers.alibaba import _sdk, eventbridge
from crnotify.providers.alibaba.convention import RegistrySpec, generated_for

DEADLINE_S = 60.0  # ACR's regeneration is expected within seconds; a minute is a broken cloud
FIRST_WAIT_S = 0.05
LONGEST_WAIT_S = 2.0


def regenerated(rule: BusRule | None, spec: RegistrySpec, instance_id: str) -> bool:
    return rule is not None and generated_for(rule, spec, instance_id)


def await_bus_rule(
    clients: _sdk.Clients,
    name: str,
    context: eventbridge.ContextFor,
    spec: RegistrySpec,
    instance_id: str,
    *,
    deadline_s: float = DEADLINE_S,
) -> BusRule:
    """The bus rule `name` once ACR has (re)generated it after a registry create or update."""
    rule = retry.poll(
        lambda: eventbridge.get_rule(clients, name, context),
        lambda rule: regenerated(rule, spec, instance_id),
        deadline=deadline_s,
        first=FIRST_WAIT_S,
        longest=LONGEST_WAIT_S,
        sleep=clients.retry.sleep,
    )
    if rule is None:
        raise TransientError(
            f"the EventBridge rule {name} was not regenerated within {deadline_s:.0f} s of the "
            "Container Registry save",
            hint="run `crnotify apply` again: it finishes the rule once the cloud has regenerated it",
        )
    return rule
