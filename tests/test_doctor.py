"""`crnotify doctor` (issue 14 item 6) against the emulator over HTTP: the checks, the probe settling
each variant as the emulator is set (one case per variant value), the report reproducing it through
`--profile`, cleanup when interrupted, and the STS call it makes."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from crnotify.cli.doctor import _terminate_as_interrupt
from crnotify.emulator import variants
from crnotify.emulator.console import open_console
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.model import Provider, Registry
from crnotify.providers.alibaba import _sdk, doctor_probe
from crnotify.providers.alibaba.connect import connect
from crnotify.providers.base import Connection, Probe
from support.cli_run import run_cli, user_workdir

INSTANCE = "cri-doctor01"
NAMESPACE = "team-a"
SCRATCH = "crnotify-doctor-fixed01"
CONFIG = f"""\
version: 1
registries:
  - {{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}
rules: []
"""
# Every value of every variant the probe settles (notify-status needs a real push: never settled).
SETTLED = [v for v in variants.VARIANTS if v.name != "notify-status"]
CASES = [
    f"{v.name}={value}" if value != "async:MS" else f"{v.name}=async:300"
    for v in SETTLED
    for value in v.values
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = user_workdir(tmp_path, monkeypatch, {"registries.yaml": CONFIG}, {}, alibaba_keys=True)
    monkeypatch.setattr(doctor_probe, "scratch_name", lambda: SCRATCH)  # the console player must know it
    monkeypatch.delenv(variants.PROFILE_VARIABLE, raising=False)
    monkeypatch.delenv(variants.ENV_VARIABLE, raising=False)
    return root


def serving(active: variants.Variants) -> Iterator[EmulatorServer]:
    with EmulatorServer(variants=active) as server:
        yield server


def console_player(server: EmulatorServer) -> threading.Thread:
    """The person at the console: once doctor's create call has failed, they create the rule there."""

    def play() -> None:
        deadline = time.monotonic() + 20
        while server.stats().get("CreateEventCenterRule", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.02)
        with ExitStack() as stack:
            console = open_console(stack, local=False, endpoint=server.endpoint, region="cn-hangzhou")
            console.create_registry_rule(INSTANCE, doctor_probe.scratch_spec(SCRATCH, NAMESPACE))

    thread = threading.Thread(target=play, daemon=True)
    thread.start()
    return thread


def doctor(capsys: Any, server: EmulatorServer, *argv: str) -> tuple[int, str, str]:
    if server.variants.create_call != "rpc":
        player = console_player(server)
    code, out, err = run_cli(capsys, [], "doctor", "config", *argv, "--endpoint", server.endpoint)
    if server.variants.create_call != "rpc":
        player.join(5)
    return code, out, err


def observed(report: dict[str, Any]) -> dict[str, str | None]:
    (registry,) = report["registries"]
    return {o["variant"]: o["observed"] for o in registry["observations"]}


def left_over(server: EmulatorServer) -> list[str]:
    rules = server.state.all_rules(server.account_id, "cn-hangzhou", bus="default")
    acr = server.state.list_event_center_rule_name(server.account_id, "cn-hangzhou", instance_id=INSTANCE)
    return [r.name for r in rules] + [name for _, name in acr]


def test_checks_without_probe(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    code, out, err = doctor(capsys, emulator)
    assert code == 0, out + err
    assert out.startswith("Registry prod (alibaba, cn-hangzhou) as Account acs:ram::<account>:root\n")
    for line in (
        "  ok          identity     sts:GetCallerIdentity: Account acs:ram::<account>:root",
        "  ok          region       cn-hangzhou: offers ACR event notifications",
        "  ok          eventbridge  activated: the default bus answers",
        "  ok          quota        rules on the default bus: 0 used, 50 left of 50",
        "  answered    action       cr:ListEventCenterRuleName",
        "  answered    action       eventbridge:QueryEventTraces",
        "  skipped     action       cr:CreateEventCenterRule: exercised only by --probe",
        '    success-code: a successful EventBridge answer has Code "Success" → Success → Success',
    ):
        assert line in out.splitlines(), line
    assert emulator.account_id not in out + err
    assert out.endswith(
        "No problems found.\nObserved variants: success-code=Success errors=status "
        "(`crnotify emulator serve --profile REPORT` behaves so; write REPORT with --out).\n"
    )


def test_a_scoped_doctor_checks_only_its_registry(
    workdir: Path, emulator: EmulatorServer, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--registry` (issue 15 item 6): the aws registry, whose credentials are missing, is not
    connected to; only prod is checked."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    ecr = '  - {name: ecr, provider: aws, region: eu-west-1, account: "123456789012"}\n'
    (workdir / "config" / "registries.yaml").write_text(CONFIG.replace("rules: []", ecr + "rules: []"))
    code, out, err = doctor(capsys, emulator, "--registry", "prod", "--format", "json")
    assert code == 0, out + err
    assert [r["registry"] for r in json.loads(out)["registries"]] == ["prod"]
    assert "ecr" not in err


def test_an_unavailable_region_is_a_problem(workdir: Path, emulator: EmulatorServer, capsys: Any) -> None:
    """Validation knows the regions without ACR event notifications: doctor stops there, located."""
    (workdir / "config" / "registries.yaml").write_text(CONFIG.replace("cn-hangzhou", "eu-west-1"))
    code, out, err = doctor(capsys, emulator)
    assert (code, out) == (1, "")
    assert "ACR event notifications are not available in eu-west-1 (UK (London))" in err


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_probe_reports_each_variant_as_set_and_the_report_reproduces_it(
    case: str, workdir: Path, capsys: Any
) -> None:
    name, _, value = case.partition("=")
    for server in serving(variants.parse([case])):
        code, out, err = doctor(
            capsys, server, "--probe", NAMESPACE, "--out", "report.json", "--format", "json"
        )
        assert code == (1 if case == "create-call=forbidden" else 0), out + err  # a RAM denial: a problem
        assert left_over(server) == [], "the probe cleans up"
    report = json.loads((workdir / "report.json").read_text())
    assert json.loads(out) == report
    seen = observed(report)
    if value.startswith("async:"):
        assert seen[name] is not None
        assert seen[name].startswith("async:")
        assert int(seen[name].partition(":")[2]) >= int(value.partition(":")[2])
    else:
        assert seen[name] == value, report
    others = {v.name: v.default for v in SETTLED if v.name != name}
    assert {k: seen[k] for k in others} == others, "every other variant at its default"
    assert str(report["registries"][0]["account"]) == "<account>"
    if case == "create-call=forbidden":  # the denial names the RAM action to grant
        checks = {c["name"]: c for c in report["registries"][0]["checks"]}
        assert checks["cr:CreateEventCenterRule"]["status"] == "denied"
        assert (
            checks["cr:CreateEventCenterRule"]["detail"] == "grant the RAM action `cr:CreateEventCenterRule`"
        )

    # The report, loaded as a profile, makes the emulator behave as observed: the probe sees it again.
    for server in serving(variants.configured(profile=str(workdir / "report.json"))):
        code, out, err = doctor(capsys, server, "--probe", NAMESPACE, "--format", "json")
        assert code == (1 if case == "create-call=forbidden" else 0), out + err
    again = observed(json.loads(out))
    assert again[name] is not None
    assert again[name].split(":")[0] == seen[name].split(":")[0]
    assert {k: again[k] for k in others} == others


def test_local_takes_the_profile_from_the_environment(
    workdir: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = workdir / "observed.json"
    report.write_text(json.dumps({"variants": ["success-code=200", "errors=body"]}))
    monkeypatch.setenv(variants.PROFILE_VARIABLE, str(report))
    monkeypatch.setenv(variants.ENV_VARIABLE, "errors=status")  # the variables override the profile
    code, out, err = run_cli(capsys, [], "doctor", "config", "--local", "--format", "json")
    assert code == 0, err
    assert observed(json.loads(out)) == {"success-code": "200", "errors": "status"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "the profile"),
        ('{"variants": "x"}', "is no `crnotify doctor --out` report"),
        ('{"variants": ["nope=1"]}', "unknown variant 'nope'"),
    ],
)
def test_a_bad_profile_is_one_clear_error(workdir: Path, capsys: Any, text: str, message: str) -> None:
    (workdir / "bad.json").write_text(text)
    code, out, err = run_cli(capsys, [], "emulator", "serve", "--profile", "bad.json")
    assert code == 1
    assert message in err
    assert "Traceback" not in out + err


def test_an_interrupted_probe_cleans_up(workdir: Path) -> None:
    """Interrupted while waiting for the console (the person made the rule, then pressed Ctrl-C)."""
    for server in serving(variants.parse(["create-call=absent"])):
        registry = Registry(
            name="prod", provider=Provider.ALIBABA, region="cn-hangzhou", instance_id=INSTANCE
        )
        with ExitStack() as stack:
            provider = connect([registry], Connection(endpoint=server.endpoint), stack)
            console = open_console(stack, local=False, endpoint=server.endpoint, region="cn-hangzhou")

            def tell(_text: str, console: Any = console) -> None:
                console.create_registry_rule(INSTANCE, doctor_probe.scratch_spec(SCRATCH, NAMESPACE))
                raise KeyboardInterrupt

            with pytest.raises(KeyboardInterrupt):
                provider.checkup(registry, Probe(namespace=NAMESPACE, tell=tell))
        assert left_over(server) == []


def test_sigterm_becomes_an_interrupt() -> None:
    def terminated() -> None:
        with _terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)

    with pytest.raises(KeyboardInterrupt):
        terminated()
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_sts_get_caller_identity_names_the_emulator_account(emulator: EmulatorServer) -> None:
    connection = _sdk.Connection(
        region="cn-hangzhou",
        endpoint=emulator.endpoint,
        access_key=(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
    )
    body = _sdk.caller_identity(connection)
    assert body["AccountId"] == emulator.account_id
    assert body["IdentityType"] == "Account"
    assert body["Arn"] == f"acs:ram::{emulator.account_id}:root"


def test_aws_checkup_on_moto(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str], capsys: Any
) -> None:
    registry = '{name: ecr, provider: aws, region: eu-west-1, account: "123456789012"}'
    config = f"version: 1\nregistries:\n  - {registry}\nrules: []\n"
    user_workdir(tmp_path, monkeypatch, {"registries.yaml": config}, {})
    code, out, err = run_cli(capsys, [], "doctor", "config", "--probe", NAMESPACE, "--show-account")
    assert code == 0, out + err
    for line in (
        "  ok          region       eu-west-1: an AWS region",
        "  answered    action       sts:GetCallerIdentity",
        "  ok          eventbridge  activated: the default bus answers",
        "  answered    action       events:DescribeRule: not found: an answer",
        "  ok          quota        rules on the default bus: 0 used, 300 left of 300 (the default quota)",
        "  skipped     action       events:PutRule: a write: doctor does not make it",
        "    no probe on AWS: the emulator variants concern Alibaba Cloud",
    ):
        assert line in out.splitlines(), line
    assert "as arn:aws:" in out.splitlines()[0]
