"""Issue 13, items 4-6: short and escaped secrets, tokens in URL paths, guessable digests.

The slow end-to-end corpus is tests/test_secrets.py; these reproduce each finding directly and fast.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from pathlib import Path
from urllib.parse import quote, quote_plus

import boto3
import pytest

from crnotify import redact, secrets
from crnotify.apply import apply, read_live
from crnotify.cli import main
from crnotify.cli._logging import configure_logging
from crnotify.importer import import_rule, render_yaml
from crnotify.marker import read_marker
from crnotify.model import Config, EventType, Notify, NotifyMethod, Rule, SecretText
from crnotify.planner import plan
from crnotify.providers.alibaba.convention import RegistrySpec
from crnotify.providers.aws import targets
from crnotify.providers.aws.provider import AwsProvider
from crnotify.render import plan_json, plan_markdown, plan_text
from support.aws_rules import ECR_PROD
from support.cli_run import user_workdir
from support.fakecloud import ENV, REGISTRY, FakeCloud, rule


def config(*rules: Rule) -> Config:
    return Config(registries=(REGISTRY,), rules=rules)


# --- item 4: short secrets are refused, escaped ones are masked ---------------------------------------

SHORT_CONFIG = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-short01}
rules:
  - name: hook
    registry: prod
    event: build
    scope: instance
    notify:
      https:
        url: https://hooks.example.com/acr
        token: ${env:SHORT_TOKEN}
"""


@pytest.mark.parametrize("command", ["validate", "plan", "drift", "apply"])
def test_a_short_secret_is_a_located_error_that_names_the_variable_never_the_value(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user_workdir(tmp_path, monkeypatch, {"rules.yaml": SHORT_CONFIG}, {"SHORT_TOKEN": "Zq9"})
    runs = [["--format", "text"], ["--format", "json"]] if command == "validate" else [["--local"]]
    try:
        for extra in runs:
            assert main(["-vv", command, "config", *extra]) != 0
            out, err = capsys.readouterr()
            assert "Zq9" not in out + err
            assert "CRN224" in out + err
            assert "SHORT_TOKEN" in out + err
            if "json" not in extra:
                located = "rules.yaml:12:16: error CRN224 environment variable SHORT_TOKEN holds 3 characters"
                assert located in out + err
    finally:
        logging.getLogger().handlers.clear()


TRICKY = ['to"k\\en-ünï-9z', "Zq9-δ'x\"y\\z", "plain-0123456789"]


@pytest.mark.parametrize("secret", TRICKY)
def test_every_encoding_a_library_logs_is_masked(secret: str, capsys: pytest.CaptureFixture[str]) -> None:
    redact.forget_all()
    SecretText(template="${env:S}").resolve({"S": secret})
    configure_logging(2)
    try:
        as_json = json.dumps(secret)[1:-1]
        forms = {
            "raw": secret,
            "json": as_json,
            "json-utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
            "quote": quote(secret, safe=""),
            "quote-lower": re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quote(secret, safe="")),
            "quote_plus": quote_plus(secret),
            "url-json": quote(as_json, safe=""),
            "url-json-plus": quote_plus(as_json),
            "json-json": json.dumps(as_json)[1:-1],
            "repr": repr(secret)[1:-1],
            "repr-bytes": repr(secret.encode())[2:-1],
            "base64": base64.b64encode(secret.encode()).decode(),
        }
        for name, form in forms.items():
            logging.getLogger("urllib3.connectionpool").debug("POST /?ApiKeyValue=%s HTTP/1.1", form)
            err = capsys.readouterr().err
            assert form not in err, name
            assert "***" in err, name
    finally:
        logging.getLogger().handlers.clear()
        redact.forget_all()


# --- item 5: tokens in URL paths ----------------------------------------------------------------------

SLACK = "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/{}"
PATH_TOKEN = "q8Xv2LmN4pR7sT1wY5zA3bC6"
WORDY = "just-a-long-words-only-secret"  # no digit: only known as a secret because it was declared


def test_the_token_rule_tells_tokens_from_words_and_ids() -> None:
    assert secrets.token_segments(SLACK.format(PATH_TOKEN)) == [4]
    assert secrets.token_segments("https://oapi.dingtalk.com/robot/send?access_token=x") == []
    assert secrets.token_segments("https://hooks.example.com/notifications-webhook/v2") == []
    assert secrets.token_segments(f"https://h/hooks/{WORDY}/x", known={WORDY}) == [2]


def test_alibaba_import_turns_path_tokens_into_placeholders() -> None:
    redact.forget_all()
    cloud = FakeCloud()
    declared = SecretText(template="https://hooks.example.com/hooks/${env:W}/in").resolve({"W": WORDY})
    specs = [
        Rule(
            name="slack",
            registry="prod",
            event_type=EventType.BUILD,
            notify=Notify(
                method=NotifyMethod.HTTPS, url=SecretText(template=SLACK.format(PATH_TOKEN)).resolve({})
            ),
        ),
        Rule(
            name="hooks",
            registry="prod",
            event_type=EventType.BUILD,
            notify=Notify(method=NotifyMethod.HTTPS, url=declared),
        ),
    ]
    for spec in specs:
        cloud.save_registry(REGISTRY, RegistrySpec.of(spec))
    live = {r.name: r for r in cloud.read([REGISTRY]).rules}
    items = [import_rule(REGISTRY, live[name]) for name in ("slack", "hooks")]
    text = render_yaml(REGISTRY, items, adopting=False)
    assert PATH_TOKEN not in text
    assert WORDY not in text
    assert SLACK.format("${env:SLACK_URL_PATH_1}") in text
    assert "https://hooks.example.com/hooks/${env:HOOKS_URL_PATH_1}/in" in text
    assert "# set $SLACK_URL_PATH_1 to a token in the URL path of rule slack" in text
    redact.forget_all()


def test_aws_import_turns_path_tokens_into_placeholders(aws_env: dict[str, str]) -> None:
    client = boto3.client("events", region_name="eu-west-1")
    connection = client.create_connection(
        Name="slack",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-crnotify-rule", "ApiKeyValue": "n/a-value"}
        },
    )
    destination = client.create_api_destination(
        Name="slack",
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint=SLACK.format(PATH_TOKEN),
        HttpMethod="POST",
    )
    pattern = {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Replication Action"],
        "detail": {"repository-name": [{"prefix": "team-a/"}]},
    }
    client.put_rule(Name="slack-scan", EventPattern=json.dumps(pattern))
    target = {
        "Id": "slack",
        "Arn": destination["ApiDestinationArn"],
        "RoleArn": "arn:aws:iam::123456789012:role/x",
    }
    client.put_targets(Rule="slack-scan", Targets=[target])
    [live] = AwsProvider(env={}).read([ECR_PROD]).rules
    text = render_yaml(ECR_PROD, [import_rule(ECR_PROD, live)], adopting=False)
    assert PATH_TOKEN not in text
    assert SLACK.format("${env:CRNOTIFY_SLACK_SCAN_URL_PATH_1}") in text
    assert "# set $CRNOTIFY_SLACK_SCAN_URL_PATH_1" in text


# --- item 6: digests ------------------------------------------------------------------------------------


def test_fingerprints_are_scrypt_salted_with_the_rule() -> None:
    expected = hashlib.scrypt(
        b"tok-123456", salt=b"crnotify-secret-v2\x00acr:a", n=2**14, r=8, p=1, dklen=16
    ).hex()[:12]
    assert secrets.fingerprint("tok-123456", salt="acr:a") == expected
    assert secrets.fingerprint("tok-123456", salt="acr:b") != expected


def test_the_marker_on_the_cloud_cannot_be_checked_against_a_guess_with_a_fast_hash() -> None:
    spec = RegistrySpec.of(rule("scan-api"))
    unsalted = hashlib.sha256(json.dumps(spec.to_params(), sort_keys=True).encode()).hexdigest()[:12]
    assert spec.digest() != unsalted
    other_token = RegistrySpec.of(
        rule(
            "scan-api",
            notify=Notify(method=NotifyMethod.HTTPS, url=SecretText(template="https://h/x").resolve({})),
        )
    )
    assert other_token.digest() != spec.digest()  # still tells changed from unchanged
    # Equal tokens in two rules give unrelated secret fingerprints (salted with the rule).
    a, b = (
        secrets.fingerprint(json.dumps([spec.url, spec.secret]), salt=f"acr:{name}") for name in ("x", "y")
    )
    assert a != b


def test_plans_show_no_digest_a_secret_enters() -> None:
    cloud = FakeCloud()
    cfg = config(rule("scan-api"))
    p = plan(cfg, read_live(cfg, cloud))
    digest = RegistrySpec.of(rule("scan-api")).digest()
    for text in (plan_text.render(p), plan_markdown.render(p), plan_json.render(p)):
        assert digest not in text
    # The marker is named by the re-apply's reason, never as a field (issue 15 item 7: no lone `+ marker`).
    assert "marker =" not in plan_text.render(p)
    assert "re-apply the declared bus customisations and the crnotify marker" in plan_text.render(p)
    assert "`marker`" not in plan_markdown.render(p)


def test_the_aws_fp_is_scrypt_salted_with_the_rule() -> None:
    token = SecretText(template="${env:T}").resolve({"T": "s3cr3t-token"})
    url = SecretText(template="https://hooks.example.com/ecr").resolve({})
    notify = Notify(method=NotifyMethod.HTTPS, url=url, secret=token)
    fps = {
        name: targets.auth_summary(
            Rule(name=name, registry="ecr", event_type=EventType.SCAN, notify=notify)
        ).fp
        for name in ("one", "two")
    }
    material = json.dumps(
        ["https://hooks.example.com/ecr", targets.TOKEN_HEADER, "s3cr3t-token", []], sort_keys=True
    )
    assert fps["one"] == secrets.fingerprint(material, salt="aws:one")
    assert fps["one"] != fps["two"]
    assert fps["one"] != hashlib.sha256(b"crnotify-secret:" + material.encode()).hexdigest()[:12]


def test_marker_digest_read_back_matches_what_plan_wrote() -> None:
    cloud = FakeCloud()
    cfg = config(rule("scan-api"))
    assert apply(plan(cfg, read_live(cfg, cloud)), cloud, cfg).converged
    marker = read_marker(cloud.bus["cn-hangzhou"]["scan-api"].description)
    assert marker.digest == RegistrySpec.of(rule("scan-api")).digest()
    assert not plan(cfg, read_live(cfg, cloud)).changes  # stable: no change from scrypt salts
    assert ENV["DT_TOKEN"] not in cloud.bus["cn-hangzhou"]["scan-api"].description
