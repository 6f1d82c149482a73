"""The loader and the AWS mapping agree: what validates for an `aws` registry can be written to AWS."""

from __future__ import annotations

from pathlib import Path

from crnotify.config import load
from crnotify.model import EventType, Provider
from crnotify.providers.aws import mapping, targets

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
ENV = {
    "ECR_HOOK_TOKEN": "hook-token",
    "DINGTALK_ECR_TOKEN": "dingtalk-token",
    "DEPLOY_GATE_TOKEN": "gate-token",
    "DEPLOY_HOOK_TOKEN": "deploy-hook-token",
}


def test_every_aws_example_rule_maps_to_an_eventbridge_rule(tmp_path: Path) -> None:
    result = load([str(EXAMPLES / "registries.yaml"), str(EXAMPLES / "aws.yaml")], env=ENV, for_cloud=True)
    assert result.config is not None, [d.message for d in result.diagnostics]
    config = result.config
    aws_rules = [r for r in config.rules if config.registry(r.registry).provider is Provider.AWS]
    assert {r.event_type for r in aws_rules} == {
        EventType.SCAN,
        EventType.SYNCHRONIZATION,
        EventType.SIGNING,
        EventType.PUSH,
    }
    for rule in aws_rules:
        registry = config.registry(rule.registry)
        assert mapping.rule_problems(rule, registry) == []
        bus = mapping.desired_bus_rule(rule, registry)
        for secret in ENV.values():
            assert secret not in repr(bus)


def test_aws_templates_use_ecr_variables_and_send_only_those_used() -> None:
    result = load([str(EXAMPLES / "registries.yaml"), str(EXAMPLES / "aws.yaml")], env=ENV, for_cloud=True)
    assert result.config is not None
    rule = next(r for r in result.config.rules if r.name == "ecr-scan-team-a")
    assert rule.bus.template is not None
    variables = dict(rule.bus.template.variables)
    assert variables["repository"] == "$.detail.repository-name"  # an AWS default, not $.data.*
    assert variables["low"] == "$.detail.finding-severity-counts.LOW"  # declared in the YAML
    body = mapping.desired_bus_rule(rule, result.config.registry("ecr-use1")).targets[0].param("Body")
    assert body is not None
    transformer = targets.input_transformer(body)
    assert transformer is not None
    assert sorted(transformer["InputPathsMap"]) == [  # type: ignore[call-overload]
        "critical",
        "digest",
        "high",
        "low",
        "medium",
        "repository",
    ]


def test_invoke_role_arn_is_read_for_aws_and_refused_for_alibaba(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "version: 1\n"
        "registries:\n"
        "  - {name: ecr, provider: aws, region: us-east-1, account: '123456789012',\n"
        "     invoke_role_arn: 'arn:aws:iam::123456789012:role/ops-events'}\n"
        "  - {name: acr, provider: alibaba, region: cn-hangzhou, instance_id: cri-abc,\n"
        "     invoke_role_arn: 'arn:aws:iam::123456789012:role/ops-events'}\n"
    )
    result = load([str(config)])
    [problem] = [d for d in result.diagnostics if d.code == "CRN203"]
    assert "invoke_role_arn does not apply to alibaba" in problem.message
    config.write_text(config.read_text().split("  - {name: acr")[0])
    result = load([str(config)])
    assert result.config is not None
    assert result.config.registry("ecr").invoke_role_arn == "arn:aws:iam::123456789012:role/ops-events"


def test_descriptions_and_urls_over_eventbridge_sizes_are_errors_with_a_hint(tmp_path: Path) -> None:
    """CRN306 beyond the pattern size (examples/invalid/aws-size.yaml): the bus description, and a URL
    too long for the connection's description crnotify records it in."""
    config = tmp_path / "c.yaml"
    config.write_text(
        f"""version: 1
registries:
  - {{name: ecr, provider: aws, region: us-east-1, account: "123456789012"}}
rules:
  - name: long-description
    registry: ecr
    event: scan
    scope: instance
    notify: {{https: {{url: "https://hooks.example.com/x"}}}}
    bus: {{description: {"d" * 513}}}
  - name: long-url
    registry: ecr
    event: scan
    scope: instance
    notify: {{https: {{url: "https://hooks.example.com/{"u" * 500}"}}}}
"""
    )
    found = [(d.code, d.line, d.message, d.hint) for d in load([str(config)], env={}).diagnostics]
    assert found == [
        ("CRN306", 10, "bus.description is 513 characters; EventBridge descriptions hold 512", "shorten it"),
        (
            "CRN306",
            15,
            "the notify URL is too long to record on the connection's description (512 characters)",
            "put the URL in an environment variable and write `${env:NAME}`",
        ),
    ]
