"""`crnotify plan/apply/drift/import` on an `aws` registry, end to end against moto's server.

boto3 is unmodified and finds moto through `AWS_ENDPOINT_URL` and dummy credentials (the `aws_env`
fixture), exactly as a user points it at any endpoint. Where moto differs from AWS (research/aws-facts.md
§3.2) the tests in `test_aws_provider.py` and `test_aws_errors.py` check crnotify against what AWS
documents; here moto stands in for the whole cloud.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import pytest

from crnotify.config import load
from support.cli_run import run_cli, user_workdir

SECRETS = {
    "DINGTALK_ECR_TOKEN": "dt-access-token-0123456789",
    "ECR_HOOK_TOKEN": "hook-token-0123456789",
}
REGISTRIES = """\
version: 1
registries:
  - name: ecr-prod
    provider: aws
    region: eu-west-1
    account: "123456789012"
"""
SCAN = """\
  - name: ecr-scan-team-a
    registry: ecr-prod
    event: scan
    scope:
      namespaces: [team-a]
    tags: 'v.*|latest'
    scan_status: [COMPLETE]
    notify:
      dingtalk:
        webhook: https://oapi.dingtalk.com/robot/send?access_token=${env:DINGTALK_ECR_TOKEN}
    bus:
      description: Finished scans of team-a
      template:
        format: markdown
        title: "crnotify: ${repository} scanned"
        text: "### crnotify: ${repository}\\n- critical: ${critical}, high: ${high}"
"""
SYNC = """\
  - name: ecr-replication
    registry: ecr-prod
    event: synchronization
    scope:
      namespace: team-a
      repositories: [api]
    tags: 'release-.*'
    notify:
      https:
        url: https://hooks.example.com/ecr/replication
        token: ${env:ECR_HOOK_TOKEN}
"""
SIGNING = """\
  - name: ecr-signatures
    registry: ecr-prod
    event: signing
    scope: instance
    notify:
      https:
        url: https://hooks.example.com/ecr/signatures
"""


def rules(*blocks: str) -> str:
    return "version: 1\nrules:\n" + "".join(blocks)


@pytest.fixture
def workdir(tmp_path: Path, aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {"registries.yaml": REGISTRIES, "rules.yaml": rules(SCAN, SYNC, SIGNING)}
    return user_workdir(tmp_path, monkeypatch, files, SECRETS)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, SECRETS.values(), *argv)


def events() -> Any:
    return boto3.client("events", region_name="eu-west-1")


def test_plan_apply_plan_drift(workdir: Path, capsys: Any) -> None:
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert code == 2, err
    assert "Plan: 3 to create, 0 to update, 0 to delete." in out

    code, out, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 0, err
    assert "Apply complete!" in out
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    assert run(capsys, "drift", "config")[0] == 0

    rule = events().describe_rule(Name="ecr-scan-team-a")
    tags = {t["Key"]: t["Value"] for t in events().list_tags_for_resource(ResourceARN=rule["Arn"])["Tags"]}
    assert (tags["crnotify:managed"], tags["crnotify:registry"]) == ("true", "ecr-prod")
    pattern = json.loads(rule["EventPattern"])
    assert {b["source"][0] for b in pattern["$or"]} == {"aws.ecr", "aws.inspector2"}


def test_an_edit_made_with_boto3_is_drift_and_apply_restores_it(workdir: Path, capsys: Any) -> None:
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    client = events()
    client.disable_rule(Name="ecr-replication")
    [target] = client.list_targets_by_rule(Rule="ecr-scan-team-a")["Targets"]
    target["RetryPolicy"] = {"MaximumRetryAttempts": 3}
    client.put_targets(Rule="ecr-scan-team-a", Targets=[target])

    code, out, _ = run(capsys, "drift", "config", "--format", "json")
    assert code == 2
    drift = {d["rule"]: d for d in json.loads(out)["drift"]}
    assert sorted(drift) == ["ecr-replication", "ecr-scan-team-a"]
    assert {d["kind"] for d in drift.values()} == {"bus_changed"}
    assert "enabled" in drift["ecr-replication"]["detail"]
    assert "RetryPolicy" in drift["ecr-scan-team-a"]["detail"]

    code, out, _ = run(capsys, "plan", "config", "--detailed-exitcode")
    assert code == 2
    assert "edited outside crnotify" in out
    assert "Plan: 0 to create, 2 to update, 0 to delete." in out
    code, out, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 0, err
    assert client.describe_rule(Name="ecr-replication")["State"] == "ENABLED"
    [target] = client.list_targets_by_rule(Rule="ecr-scan-team-a")["Targets"]
    assert "RetryPolicy" not in target  # the whole target was sent again, replacing the edit
    assert run(capsys, "drift", "config")[0] == 0


def test_unmanaged_rules_are_reported_never_touched(workdir: Path, capsys: Any) -> None:
    client = events()
    hand_made = {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Image Action"],
        "detail": {"action-type": ["PUSH"]},
    }
    client.put_rule(Name="team-push", EventPattern=json.dumps(hand_made), Description="by hand")
    client.put_targets(Rule="team-push", Targets=[{"Id": "q", "Arn": "arn:aws:sqs:eu-west-1:123456789012:q"}])
    before = (
        client.describe_rule(Name="team-push"),
        client.list_targets_by_rule(Rule="team-push")["Targets"],
    )

    code, out, _ = run(capsys, "plan", "config")
    assert code == 0
    assert "Not managed by crnotify, left alone: ecr-prod/team-push" in out
    code, out, _ = run(capsys, "drift", "config", "--format", "json")
    assert ("team-push", "unmanaged") in [(d["rule"], d["kind"]) for d in json.loads(out)["drift"]]
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    (workdir / "config" / "rules.yaml").write_text(rules(SYNC))  # two managed rules are deleted
    code, out, err = run(capsys, "apply", "config", "--auto-approve")
    assert code == 0, err
    assert "0 to create, 0 to update, 2 to delete" in out

    after = (client.describe_rule(Name="team-push"), client.list_targets_by_rule(Rule="team-push")["Targets"])
    for response in (before[0], after[0]):
        response.pop("ResponseMetadata")
    assert after == before
    names = {r["Name"] for r in client.list_rules()["Rules"]}
    assert names == {"team-push", "ecr-replication"}
    assert [c["Name"] for c in client.list_connections()["Connections"]] == ["crnotify-ecr-replication"]


def test_a_declared_name_taken_by_another_rule_is_a_plan_error(workdir: Path, capsys: Any) -> None:
    events().put_rule(Name="ecr-signatures", ScheduleExpression="rate(1 day)", Description="someone's")
    code, out, err = run(capsys, "plan", "config")
    assert code == 1
    assert "ecr-prod/ecr-signatures: an EventBridge rule named 'ecr-signatures' already exists" in out + err
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 1
    assert events().describe_rule(Name="ecr-signatures")["Description"] == "someone's"


def test_import_then_adopt_then_plan_is_empty(workdir: Path, capsys: Any) -> None:
    # Rules made by crnotify for another config become "hand made" once their tags are removed.
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    client = events()
    for name in ("ecr-scan-team-a", "ecr-replication", "ecr-signatures"):
        arn = client.describe_rule(Name=name)["Arn"]
        client.untag_resource(
            ResourceARN=arn, TagKeys=["crnotify:managed", "crnotify:registry", "crnotify:spec"]
        )
    (workdir / "config" / "rules.yaml").unlink()
    code, out, _ = run(capsys, "plan", "config")
    assert "Not managed by crnotify, left alone" in out

    code, out, err = run(
        capsys, "import", "config", "--registry", "ecr-prod", "--adopt", "--all", "--out", "imported.yaml"
    )
    assert code == 0, err
    assert "Adopted 3 rule(s)" in err
    imported = (workdir / "imported.yaml").read_text()
    assert "${env:DINGTALK_ECR_TOKEN}" in imported  # the templates crnotify recorded, never the values
    (workdir / "config" / "rules.yaml").write_text(imported)
    loaded = load([str(workdir / "config")], for_cloud=True)
    assert loaded.config is not None, [d.message for d in loaded.diagnostics]
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode")
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), out + err


def test_import_of_a_hand_made_rule_names_the_variables_to_set(workdir: Path, capsys: Any) -> None:
    client = events()
    connection = client.create_connection(
        Name="team-hook",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "x-eventbridge-signature-token", "ApiKeyValue": "t"}
        },
    )
    destination = client.create_api_destination(
        Name="team-hook",
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint="https://team.example.com/hook",
        HttpMethod="POST",
        InvocationRateLimitPerSecond=300,
    )
    pattern = {
        "source": ["aws.ecr"],
        "detail-type": ["ECR Replication Action"],
        "detail": {"image-tag": ["latest"]},
    }
    client.put_rule(Name="team-replication", EventPattern=json.dumps(pattern))
    client.put_targets(
        Rule="team-replication",
        Targets=[
            {
                "Id": "hook",
                "Arn": destination["ApiDestinationArn"],
                "RoleArn": "arn:aws:iam::123456789012:role/x",
            }
        ],
    )
    code, out, err = run(capsys, "import", "config", "--registry", "ecr-prod", "--rule", "team-replication")
    assert code == 0, err
    assert "token: ${env:CRNOTIFY_TEAM_REPLICATION_TOKEN}" in out
    assert "# set $CRNOTIFY_TEAM_REPLICATION_TOKEN" in out
    assert "tags: latest" in out


def test_saved_plan_is_refused_when_a_rule_changed(workdir: Path, capsys: Any) -> None:
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    (workdir / "config" / "rules.yaml").write_text(
        rules(SCAN, SYNC.replace("release-.*", "release-.*|hotfix-.*"), SIGNING)
    )
    assert run(capsys, "plan", "config", "--out", "plan.json")[0] == 0
    saved = (workdir / "plan.json").read_text()
    for value in SECRETS.values():
        assert value not in saved
    events().disable_rule(Name="ecr-replication")
    code, _, err = run(capsys, "apply", "--plan", "plan.json")
    assert code == 1
    assert "ecr-prod/ecr-replication: its EventBridge rule changed" in err
    assert run(capsys, "plan", "config", "--out", "plan.json")[0] == 0
    code, _out, err = run(capsys, "apply", "--plan", "plan.json")
    assert code == 0, err
    assert json.loads(events().describe_rule(Name="ecr-replication")["EventPattern"])["detail"][
        "image-tag"
    ] == [
        {"prefix": "hotfix-"},
        {"prefix": "release-"},
    ]


def _add_a_rule() -> str:
    pattern = {"source": ["aws.ecr"], "detail-type": ["ECR Image Action"]}
    events().put_rule(Name="hand-made", EventPattern=json.dumps(pattern))
    return "ecr-prod/hand-made: appeared in the cloud"


def _remove_a_rule() -> str:
    events().remove_targets(Rule="ecr-signatures", Ids=["crnotify"])
    events().delete_rule(Name="ecr-signatures")
    return "ecr-prod/ecr-signatures: was deleted from the cloud"


def _retarget_a_rule() -> str:
    client = events()
    (target,) = client.list_targets_by_rule(Rule="ecr-scan-team-a")["Targets"]
    role = "arn:aws:iam::123456789012:role/someone-elses"
    client.put_targets(Rule="ecr-scan-team-a", Targets=[{**target, "RoleArn": role}])
    return "ecr-prod/ecr-scan-team-a: its EventBridge rule changed"


def _untag_a_rule() -> str:
    client = events()
    arn = client.describe_rule(Name="ecr-replication")["Arn"]
    client.untag_resource(ResourceARN=arn, TagKeys=["crnotify:managed"])  # ownership: user tags don't count
    return "ecr-prod/ecr-replication: its EventBridge rule changed"


@pytest.mark.parametrize("change", [_add_a_rule, _remove_a_rule, _retarget_a_rule, _untag_a_rule])
def test_saved_plan_is_refused_after_any_live_change(
    workdir: Path, capsys: Any, change: Callable[[], str]
) -> None:
    """Every kind of change an AWS rule can undergo (there is no registry side to save)."""
    assert run(capsys, "apply", "config", "--auto-approve")[0] == 0
    (workdir / "config" / "rules.yaml").write_text(
        rules(SCAN, SYNC.replace("release-.*", "release-.*|hotfix-.*"), SIGNING)
    )
    assert run(capsys, "plan", "config", "--out", "plan.json")[0] == 0
    named = change()
    code, out, err = run(capsys, "apply", "--plan", "plan.json")
    assert code == 1
    assert f"is stale; changed since it was made:\n  {named}" in err
    assert "Apply complete" not in out


def test_a_changed_secret_makes_a_saved_plan_stale(
    workdir: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "plan", "config", "--out", "plan.json")[0] == 0
    monkeypatch.setenv("ECR_HOOK_TOKEN", "rotated-token-0123456789")
    code, _, err = run(capsys, "apply", "--plan", "plan.json")
    assert code == 1
    assert "changed since plan.json was made" in err


def test_local_skips_aws_registries_unless_aws_endpoint_url_is_set(
    workdir: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, err = run(capsys, "plan", "--local", "config")
    assert code == 0, err
    assert "Plan: 3 to create" in out  # AWS_ENDPOINT_URL (moto) is set: the aws registry is planned
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    code, out, err = run(capsys, "plan", "--local", "config")
    assert code == 0, err
    assert "Skipped, neither read nor written (their cloud has no emulator endpoint" in out
    assert "ecr-prod" in out


def test_alibaba_and_aws_registries_in_one_config(
    workdir: Path, capsys: Any, emulator: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One session, two clouds: the Alibaba emulator through --endpoint, moto through AWS_ENDPOINT_URL."""
    from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET  # noqa: PLC0415

    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
    (workdir / "config" / "registries.yaml").write_text(
        REGISTRIES
        + "  - name: prod-hz\n    provider: alibaba\n    region: cn-hangzhou\n    instance_id: cri-mixed01\n"
    )
    (workdir / "config" / "rules.yaml").write_text(
        rules(
            SYNC,
            "  - name: acr-scan\n    registry: prod-hz\n    event: scan\n    scope: {namespaces: [team-a]}\n"
            "    notify:\n      https: {url: https://hooks.example.com/acr}\n",
        )
    )
    at = ("--endpoint", emulator.endpoint)
    code, out, err = run(capsys, "plan", "config", *at)
    assert code == 0, err
    assert "+ create ecr-prod/ecr-replication" in out
    assert "+ create prod-hz/acr-scan" in out
    code, out, err = run(capsys, "apply", "config", "--auto-approve", *at)
    assert code == 0, err
    code, out, err = run(capsys, "plan", "config", "--detailed-exitcode", *at)
    assert (code, out.strip()) == (0, "No changes. The cloud matches the configuration."), err
    assert [r["Name"] for r in events().list_rules()["Rules"]] == ["ecr-replication"]
