"""Chat channels beyond DingTalk (issue 18), one parametrised case per channel, end to end.

Alibaba: the official SDKs against the emulator through the CLI (`--endpoint`); AWS: boto3 against
moto's server. Deliveries go to the local robots (`crnotify.emulator.channel_robots`) or, for the
generic webhook, to a local HTTP receiver — never off the machine.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from alibabacloud_cr20181201 import models as cr_models
from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.clock import ManualClock
from crnotify.delivery import channels
from crnotify.delivery.push_retry import NO_RETRY
from crnotify.delivery.send import HttpSender, deliver
from crnotify.delivery.transform import HttpDelivery
from crnotify.emulator.channel_robots import ChannelRobots, RobotServer, running
from crnotify.emulator.server import EmulatorServer
from crnotify.model import TemplateFormat
from support.cli_run import run_cli, user_workdir
from support.local_receiver import http_receiver, self_signed_certificate

INSTANCE = "cri-chantest01"
HOOK = "hook-credential-0123456789"
REPO = Path(__file__).resolve().parents[2]
EVENTS = REPO / "examples" / "events"

# channel → (notify key, URL with the credential as ${env:CHANNEL_HOOK}, a broken URL, rate windows)
URLS = {
    "lark": "https://open.feishu.cn/open-apis/bot/v2/hook/${env:CHANNEL_HOOK}",
    "feishu": "https://open.larksuite.com/open-apis/bot/v2/hook/${env:CHANNEL_HOOK}",
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${env:CHANNEL_HOOK}",
    "slack": "https://hooks.slack.com/services/T0001/B0001/${env:CHANNEL_HOOK}",
    "teams": "https://prod-01.westus.logic.azure.com/workflows/f00/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sv=1.0&sig=${env:CHANNEL_HOOK}",
    "webhook": "https://hooks.example.com/crnotify/${env:CHANNEL_HOOK}",
}
BROKEN = {
    "lark": "https://open.feishu.cn/open-apis/bot/v1/hook/${env:CHANNEL_HOOK}",
    "feishu": "https://open.feishu.example.com/open-apis/bot/v2/hook/${env:CHANNEL_HOOK}",
    "wecom": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?token=${env:CHANNEL_HOOK}",
    "slack": "https://hooks.slack.com/workflows/${env:CHANNEL_HOOK}",
    "teams": "https://contoso.webhook.office.com/webhookb2/${env:CHANNEL_HOOK}",
    "webhook": "http://hooks.example.com/crnotify",
}
CHANNELS = tuple(URLS)
ROBOTS = ("lark", "feishu", "wecom", "slack", "teams")
# What the channel answers once its rate limit is exceeded (delivery/<channel>.py).
RATE_ANSWER = {
    "lark": "code 11232",
    "wecom": "errcode 45009",
    "slack": "HTTP 429: rate_limited",
    "teams": "HTTP 429: WorkflowRequestsThrottled",
}
SECRETS = {"CHANNEL_HOOK": HOOK}


def config(key: str, *, url: str | None = None, template: str = "", provider: str = "alibaba") -> str:
    registry = (
        f"{{name: prod, provider: alibaba, region: cn-hangzhou, instance_id: {INSTANCE}}}"
        if provider == "alibaba"
        else '{name: prod, provider: aws, region: eu-west-1, account: "123456789012"}'
    )
    return f"""\
version: 1
registries:
  - {registry}
rules:
  - name: chat-scan
    registry: prod
    event: scan
    scope:
      namespaces: [team-a]
    notify:
      {key}:
        url: "{url or URLS[key]}"
{template}"""


TEMPLATE = """\
    bus:
      template:
        format: markdown
        text: "crnotify: ${RepoNamespaceName}/${RepoName}:${Tag} high ${HighSeverity}"
"""


def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> Path:
    return user_workdir(tmp_path, monkeypatch, {"rules.yaml": text}, SECRETS, alibaba_keys=True)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def canonical(key: str) -> str:
    return channels.canonical(key) or key


@pytest.mark.parametrize("key", CHANNELS)
def test_validates_plans_applies_and_replans_empty_on_the_emulator(
    key: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    emulator: EmulatorServer,
    capsys: Any,
    cr_client: Any,
    eventbridge_client: Any,
) -> None:
    workdir(tmp_path, monkeypatch, config(key, template=TEMPLATE))
    at = ("--endpoint", emulator.endpoint)
    code, out, err = run(capsys, "validate", "config")
    assert code == 0, out + err
    assert f"  {canonical(key)}  " in out  # the rules table names the channel
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert code == 2, out + err
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err

    # The registry side is https; the channel's message is the bus body.
    [rule] = cr_client.list_event_center_rule_name(
        cr_models.ListEventCenterRuleNameRequest(instance_id=INSTANCE)
    ).body.rule_names
    body = _bus_body(eventbridge_client)
    assert channels.recognise(body, URLS[key].replace("${env:CHANNEL_HOOK}", HOOK)) is not None

    # A save outside crnotify regenerates the bus rule with ACR's default body: drift, then apply restores.
    cr_client.update_event_center_rule(
        cr_models.UpdateEventCenterRuleRequest(
            instance_id=INSTANCE, rule_id=rule.rule_id, event_scope="NAMESPACE", namespaces=["team-b"]
        )
    )
    assert _bus_body(eventbridge_client) != body
    code, out, _ = run(capsys, "drift", "config", "--format", "json", *at)
    assert code == 2
    assert [d["kind"] for d in json.loads(out)["drift"]] == ["registry_changed"]
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0
    assert _bus_body(eventbridge_client) == body
    assert run(capsys, "drift", "config", *at)[0] == 0

    # import writes the HTTPS rule back as the channel.
    (tmp_path / "config" / "rules.yaml").write_text(config(key).split("rules:")[0] + "rules: []\n")
    code, out, err = run(capsys, "import", "config", "--registry", "prod", *at)
    assert code == 0, err
    assert f"      {canonical(key)}:\n" in out, out
    assert "crnotify: ${RepoNamespaceName}/${RepoName}:${Tag} high ${HighSeverity}" in out
    assert HOOK not in out


def _bus_body(eventbridge_client: Any) -> str:
    request = eb_models.ListTargetsRequest(event_bus_name="default", rule_name="chat-scan")
    [target] = eventbridge_client.list_targets(request).body.data.targets
    [body] = [p for p in target.param_list if p.resource_key == "Body"]
    return str(body.template)


@pytest.mark.parametrize("key", CHANNELS)
def test_plans_applies_and_replans_empty_on_moto(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, aws_env: dict[str, str], capsys: Any
) -> None:
    aws_template = TEMPLATE.replace(
        "${RepoNamespaceName}/${RepoName}:${Tag} high ${HighSeverity}", "${repository} ${high}"
    )
    workdir(tmp_path, monkeypatch, config(key, template=aws_template, provider="aws"))
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    events = boto3.client("events", region_name="eu-west-1")
    [target] = events.list_targets_by_rule(Rule="chat-scan")["Targets"]
    body = target["InputTransformer"]["InputTemplate"]
    assert "<repository> <high>" in body
    destination = events.describe_api_destination(Name="crnotify-chat-scan")
    expected = channels.get(canonical(key)).per_second or 300
    assert destination["InvocationRateLimitPerSecond"] == expected
    (tmp_path / "config" / "rules.yaml").write_text(
        config(key, provider="aws").split("rules:")[0] + "rules: []\n"
    )
    code, out, err = run(capsys, "import", "config", "--registry", "prod")
    assert code == 0, err
    assert f"      {canonical(key)}:\n" in out, out


@pytest.fixture
def robot_server() -> Iterator[RobotServer]:
    server = RobotServer(ChannelRobots(clock=ManualClock(), hooks=(HOOK,))).start()
    try:
        yield server
    finally:
        server.stop()


def deliver_argv(tmp_path: Path) -> tuple[str, ...]:
    """`crnotify test --deliver` on the example scan event, from this test's instance."""
    event = json.loads((EVENTS / "scan-api-release.json").read_text())
    event["data"]["InstanceId"] = INSTANCE
    (tmp_path / "event.json").write_text(json.dumps(event))
    return ("test", "config", "--events", str(tmp_path / "event.json"), "--deliver")


@pytest.mark.parametrize("key", ROBOTS)
def test_test_deliver_reaches_the_local_robot_which_accepts_the_body(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, robot_server: RobotServer, capsys: Any
) -> None:
    workdir(tmp_path, monkeypatch, config(key, template=TEMPLATE))
    code, out, err = run(capsys, *deliver_argv(tmp_path), "--robot", robot_server.url)
    assert code == 0, out + err
    assert f"→ acr-notify {canonical(key)} " in out  # the exact body is printed
    assert "deliveries: 1 ok, 0 failed" in out
    [received] = robot_server.robots.received()
    assert (received.kind, received.hook, received.verdict) == (canonical(key), HOOK, "ok")
    assert "team-a/api:v1.4.0 high 2" in received.body


def test_test_deliver_posts_the_generic_webhook_body(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    cert, key = self_signed_certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # the sender's default context trusts the receiver
    with http_receiver(tls=(cert, key)) as receiver:
        url = receiver.url + "/crnotify/${env:CHANNEL_HOOK}"
        workdir(tmp_path, monkeypatch, config("webhook", url=url, template=TEMPLATE))
        code, out, err = run(capsys, *deliver_argv(tmp_path))
    assert code == 0, out + err
    [request] = receiver.requests
    assert request.path == f"/crnotify/{HOOK}"
    assert json.loads(request.body) == {"title": "", "markdown": "crnotify: team-a/api:v1.4.0 high 2"}


@pytest.mark.parametrize("key", ROBOTS)
def test_exceeding_the_rate_limit_gets_the_channels_own_answer(key: str) -> None:
    channel = channels.get(key)
    clock = ManualClock()
    with running(ChannelRobots(clock=clock, hooks=(HOOK,))) as server:
        url = server.webhook(channel.name, HOOK)
        body = channel.body(TemplateFormat.TEXT, "crnotify: team-a/api:v1", None)
        delivery = HttpDelivery(
            target_id="t",
            url=url,
            body=body,
            headers=(("content-type", "application/json"),),
            channel=channel.name,
        )
        sender = HttpSender()
        try:
            burst = min(count for count, _ in channel.windows)
            results = [
                deliver(delivery, sender=sender, clock=clock, strategy=NO_RETRY, rng=random.Random(0))
                for _ in range(burst + 1)
            ]
        finally:
            sender.close()
    assert all(r.ok for r in results[:-1])
    assert not results[-1].ok
    assert RATE_ANSWER[channel.name] in results[-1].attempts[-1].detail
    assert HOOK not in results[-1].endpoint  # the credential never reaches output


@pytest.mark.parametrize("key", CHANNELS)
def test_a_broken_url_is_a_located_error(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    workdir(tmp_path, monkeypatch, config(key, url=BROKEN[key]))
    code, out, err = run(capsys, "validate", "config")
    assert code == 1
    expected = "CRN212" if key == "webhook" else "CRN240"
    assert f"rules.yaml:12:14: error {expected}" in out + err, out + err
    if key == "teams":
        assert "Post to a channel when a webhook request is received" in out + err


SIZES = {  # a text over the channel's limit (delivery/<channel>.py)
    "lark": "飞" * 7000,  # 21,000 bytes > 20 KB
    "feishu": "飞" * 7000,
    "wecom": "企" * 1400,  # 4,200 bytes > 4096 for markdown
    "slack": "s" * 3001,  # a section's text > 3000 characters
    "teams": "团" * 10000,  # > 28 KB
}


@pytest.mark.parametrize("key", list(SIZES))
def test_an_oversized_template_is_a_located_error(
    key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    template = f'    bus:\n      template:\n        format: markdown\n        text: "{SIZES[key]}"\n'
    workdir(tmp_path, monkeypatch, config(key, template=template))
    code, out, err = run(capsys, "validate", "config")
    assert code == 1
    assert "rules.yaml:16:15: error CRN242" in out + err, out + err


def test_lark_signing_is_refused_and_keywords_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    text = config("lark").replace(
        '        url: "', '        secret: ${env:LARK_SECRET}\n        keywords: [deploy]\n        url: "'
    )
    workdir(tmp_path, monkeypatch, text)
    monkeypatch.setenv("LARK_SECRET", "lark-secret-0123456789")
    code, out, err = run(capsys, "validate", "config")
    assert code == 1
    assert "rules.yaml:12:9: error CRN241 Lark/Feishu signature verification is not possible" in out + err
    assert "error CRN241 the message contains none of the keywords 'deploy'" in out + err


def test_a_whole_registry_rule_warns_with_the_channels_rate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    text = config("lark").replace("    scope:\n      namespaces: [team-a]\n", "    scope: instance\n")
    workdir(tmp_path, monkeypatch, text)
    code, out, err = run(capsys, "validate", "config")
    assert code == 0
    assert "warning CRN243" in out + err
    assert "5 a second and 100 a minute" in out + err


@pytest.mark.parametrize("key", CHANNELS)
@pytest.mark.parametrize("fmt", [TemplateFormat.TEXT, TemplateFormat.MARKDOWN])
def test_each_body_reads_back_as_the_template_it_was_built_from(key: str, fmt: TemplateFormat) -> None:
    channel = channels.get(key)
    title = "crnotify: ${RepoName}" if fmt is TemplateFormat.MARKDOWN and channel.titled else None
    body = channel.body(fmt, "**${RepoName}**:${Tag}", title)
    url = URLS[key].replace("${env:CHANNEL_HOOK}", HOOK)
    recognised = channels.recognise(body, url)
    if key == "webhook" and fmt is TemplateFormat.TEXT:
        assert recognised is None  # {"text": …} is any https JSON body: imported as https
        return
    assert recognised is not None
    found, form = recognised
    assert (found.name, form) == (canonical(key), (fmt, "**${RepoName}**:${Tag}", title))
    assert channel.shape_ok(json.loads(body)) or not channel.answers  # the local robot takes it
