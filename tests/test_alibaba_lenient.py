"""The Alibaba provider reads leniently what the sources allow (issue 14): success codes "Success" and
"200", errors in HTTP 200 bodies translated like their 4xx form, every documented NotifyStatus, and
the variants reaching `crnotify emulator serve --variant` and `--local`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alibabacloud_eventbridge20200401 import models as eb_models
from alibabacloud_eventbridge20200401.client import Client as EventBridgeClient

from conftest import sdk_config
from crnotify.emulator import variants
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.errors import CrnotifyError
from crnotify.model import BusRule, Provider, Registry
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.alibaba.errors import succeeded
from crnotify.providers.alibaba.provider import AlibabaProvider
from crnotify.render import traces_text
from support.cli_run import run_cli, user_workdir
from test_variants_scenario import REGISTRIES, RULES, SECRETS

SRC = Path(__file__).resolve().parents[1] / "src"
REGISTRY = Registry(name="prod", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id="cri-lenient01")


@pytest.mark.parametrize(
    ("body", "ok"),
    [
        ({"Code": "Success", "Success": True}, True),
        ({"Code": "200", "Success": True}, True),
        ({"Code": 200}, True),
        ({"Code": "success", "IsSuccess": True}, True),
        ({"RequestId": "x"}, True),
        ({"Code": "EventRuleNotExisted", "Success": False}, False),
        ({"Code": "EventRuleNotExisted"}, False),
        ({"Code": "200", "Success": False}, False),
        ({"Code": "success", "IsSuccess": False}, False),
    ],
)
def test_succeeded(body: dict[str, object], ok: bool) -> None:
    assert succeeded(body) is ok


@pytest.mark.parametrize(
    ("status", "ok"),
    [("Success", True), ("success", True), ("200", True), ("[200]Ok", True), ("204", True),
     ("[201]Created", True), ("Failed", False), ("[500]Internal Server Error", False), ("404", False),
     ("2000", False), ("", False)],
)  # fmt: skip
def test_every_documented_notify_status(status: str, ok: bool) -> None:
    assert traces_text.pushed(status) is ok
    step = {
        "Action": "PushEvent",
        "ActionTime": 0,
        "RuleName": "r",
        "Endpoint": "https://x",
        "NotifyStatus": status,
    }
    text = traces_text.render("e", {"cn-hangzhou": [step]}, color=True)
    assert ("[32mPushEvent" in text, "[31mPushEvent" in text) == (ok, not ok)  # green: delivered


@pytest.fixture
def pair() -> Iterator[tuple[AlibabaProvider, AlibabaProvider]]:
    """Providers for one cloud answering errors in the HTTP status, one answering them in 200 bodies."""
    servers = [
        EmulatorServer(variants=variants.parse([f"errors={v}", "success-code=200"]))
        for v in ("status", "body")
    ]
    for server in servers:
        server.start()
    try:
        keys = (DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET)
        yield tuple(AlibabaProvider(endpoints={"*": s.endpoint}, access_key=keys) for s in servers)  # type: ignore[misc]
    finally:
        for server in servers:
            server.stop()


def _error(call: Any) -> tuple[type, str]:
    """The error's kind, code, what failed where, and hint: what a 200 body and a 4xx both carry (a
    4xx's message also has the vendor's text and request id, which SDK models of 200 bodies drop)."""
    with pytest.raises(CrnotifyError) as raised:
        call()
    where = str(raised.value).split(" (", 1)[0]
    return type(raised.value), f"{where} | {getattr(raised.value, 'code', None)} | {raised.value.hint}"


def test_errors_in_200_bodies_are_the_same_errors_as_their_4xx_form(
    pair: tuple[AlibabaProvider, AlibabaProvider],
) -> None:
    spec = RegistrySpec.from_params(
        {"RuleName": "r1", "EventType": "cr:Artifact:BuildCompleted", "EventConfig":
         '{"notifyMethod":"http","notifyConfig":{"Url":"https://h.example/x"},"notifyFilter":{}}'}
    )  # fmt: skip
    lease = BusRule(name="taken", pattern={"source": ["crnotify.lock"]}, description="d", enabled=False)
    seen = []
    for provider in pair:
        assert provider.read_bus_rule(REGISTRY, "missing") is None  # NotFound, in either form
        provider.create_registry_rule(REGISTRY, spec)
        provider.put_bus_rule(REGISTRY, lease, None)
        seen.append(
            (
                _error(lambda p=provider: p.update_registry_rule(REGISTRY, "crecr-unknown", spec)),
                _error(lambda p=provider: p.create_lease(REGISTRY, "taken", "d")),
                _error(lambda p=provider: p.create_lease(REGISTRY, "not a name!", "d")),
            )
        )  # fmt: skip
        provider.delete_registry_rule(REGISTRY, "crecr-unknown")  # gone is fine, in either form
        provider.delete_bus_rule(REGISTRY, "taken")
    status, body = seen
    assert [kind for kind, _ in status] == [kind for kind, _ in body]
    assert [text for _, text in status] == [text for _, text in body]
    assert "not found" in status[0][1]
    assert "already exists" in status[1][1]


def test_trace_and_deletes_with_code_200(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    user_workdir(
        tmp_path,
        monkeypatch,
        {"registries.yaml": REGISTRIES, "rules.yaml": RULES},
        SECRETS,
        alibaba_keys=True,
    )
    with EmulatorServer(variants=variants.parse(["success-code=200", "notify-status=[200]Ok"])) as server:
        at = ("--endpoint", server.endpoint)
        assert run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)[0] == 0
        event = eb_models.PutEventsRequestEventList(
            id="evt-200", source="acs.cr", type="cr:Artifact:BuildCompleted"
        )
        EventBridgeClient(sdk_config(server)).put_events(
            eb_models.PutEventsRequest(event_bus_name="default", event_list=[event])
        )
        server.state.record_trace(
            server.account_id, server.region, bus="default", event_id="evt-200", event_source="acs.cr",
            action="PushEvent", rule_name="hook", endpoint="https://hooks.example.com/acr",
            notify_status="Success", at=time.time(),
        )  # fmt: skip
        code, out, err = run_cli(capsys, SECRETS.values(), "trace", "evt-200", "config", *at)
        assert code == 0, err
        assert "PutEvent" in out
        assert "https://hooks.example.com/acr: [200]Ok" in out
        (tmp_path / "config" / "rules.yaml").write_text("version: 1\nrules: []\n")
        code, out, err = run_cli(capsys, SECRETS.values(), "apply", "config", "--auto-approve", *at)
        assert code == 0, out + err
        left = server.state.all_rules(server.account_id, server.region, bus="default")
        assert [r.name for r in left if not r.name.startswith("crnotify-lock-")] == []


def test_local_reads_the_variants_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    user_workdir(tmp_path, monkeypatch, {"registries.yaml": REGISTRIES, "rules.yaml": RULES}, SECRETS)
    monkeypatch.setenv(variants.ENV_VARIABLE, "create-call=forbidden")
    code, out, err = run_cli(capsys, SECRETS.values(), "--local", "apply", "config", "--auto-approve")
    assert code == 1
    assert "Forbidden.RAM" in out + err
    assert "`crnotify import --registry prod --adopt --rule hook`" in out + err
    monkeypatch.setenv(variants.ENV_VARIABLE, "create-call=sometimes")
    code, out, err = run_cli(capsys, SECRETS.values(), "--local", "plan", "config")
    assert code == 1
    assert (
        "CRNOTIFY_EMULATOR_VARIANTS 'create-call=sometimes': variant create-call takes rpc or absent or"
        in err
    )


def test_serve_variant_over_http(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "crnotify", "emulator", "serve", "--variant", "success-code=200",
         "--variant", "lock-rule-targets=required", "--no-delivery"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert process.stdout is not None
    endpoint = process.stdout.readline().rsplit("http://", 1)[1].strip()
    try:
        lines = [process.stdout.readline() for _ in range(3)]
        assert "  variants success-code=200 lock-rule-targets=required\n" in lines
        client = EventBridgeClient(sdk_config(endpoint))
        assert client.list_rules(eb_models.ListRulesRequest(event_bus_name="default")).body.code == "200"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
