"""`crnotify.config.load`: paths, reading, env resolution and the model it builds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from crnotify.config import LoadResult, load
from crnotify.model import (
    EventType,
    NotifyMethod,
    Provider,
    ScanStatus,
    ScopeKind,
    TemplateFormat,
)

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"

HEADER = """version: 1
registries:
  - {name: prod-hz, provider: alibaba, region: cn-hangzhou, instance_id: cri-kmsiwlxxdcva}
"""


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def codes(result: LoadResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_examples_load_into_the_model() -> None:
    result = load([str(EXAMPLES)], env={})
    assert result.ok, result.diagnostics
    config = result.config
    assert config is not None
    assert [Path(f).name for f in result.files] == [
        "aws.yaml",
        "platform.yaml",
        "registries.yaml",
        "team-a.yaml",
    ]
    assert {r.provider for r in config.registries} == {Provider.ALIBABA, Provider.AWS}
    assert {r.event_type for r in config.rules} == set(EventType)
    assert {r.notify.method for r in config.rules} == set(NotifyMethod)
    assert {r.scope.kind for r in config.rules} == set(ScopeKind)
    assert {(d.code, d.severity.value) for d in result.diagnostics} == {("CRN216", "warning")}

    scan = next(r for r in config.rules if r.name == "scan-api-release")
    assert scan.registry == "prod-hz"
    assert scan.scope.namespaces == ("team-a",)
    assert scan.scope.repositories == ("api", "web")
    assert scan.tag_pattern == "v[0-9]+\\..*"
    assert scan.scan_status == (ScanStatus.COMPLETE,)
    assert scan.notify.secret is not None
    assert scan.notify.secret.template == "${env:DINGTALK_RELEASE_SECRET}"
    template = scan.bus.template
    assert template is not None
    assert template.format is TemplateFormat.MARKDOWN
    variables = dict(template.variables)
    assert variables["Region"] == "$.aliyunregionid"  # declared
    assert variables["HighSeverity"] == "$.data.HighSeverity"  # the event type's default
    assert list(variables) == sorted(variables)
    assert config.registry("ecr-use1").account == "123456789012"
    assert len(config.rules_of("prod-hz")) == 4


def test_env_references_are_resolved_but_never_shown() -> None:
    env = {
        "DINGTALK_RELEASE_TOKEN": "tok-12345",
        "DINGTALK_RELEASE_SECRET": "SECabc123",
        "AUDIT_HOOK_TOKEN": "",
    }
    result = load([str(EXAMPLES)], env=env)
    assert result.config is not None
    scan = next(r for r in result.config.rules if r.name == "scan-api-release")
    assert scan.notify.url.value == "https://oapi.dingtalk.com/robot/send?access_token=tok-12345"
    assert scan.notify.secret is not None
    assert scan.notify.secret.value == "SECabc123"
    assert "tok-12345" not in repr(scan)
    assert "SECabc123" not in repr(scan)
    unset = {d.message.split()[2] for d in result.diagnostics if d.code == "CRN216"}
    assert "DINGTALK_RELEASE_TOKEN" not in unset
    assert "AUDIT_HOOK_TOKEN" in unset  # empty counts as unset
    plain = next(r for r in result.config.rules if r.name == "build-team-a")
    assert plain.notify.url.value == plain.notify.url.template  # nothing to resolve


def test_env_defaults_to_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_TOKEN", "from-os-env")
    result = load([str(EXAMPLES / "warnings" / "env-unset.yaml")])
    assert result.config is not None
    assert codes(result) == []
    assert result.config.rules[0].notify.secret is not None
    assert result.config.rules[0].notify.secret.value == "from-os-env"


def test_unset_variables_are_errors_for_cloud_commands_naming_the_variable() -> None:
    result = load([str(EXAMPLES / "warnings" / "env-unset.yaml")], env={}, for_cloud=True)
    assert result.config is None
    (d,) = result.diagnostics
    assert (d.code, d.severity.value) == ("CRN216", "error")
    assert "HOOK_TOKEN" in d.message


def test_files_are_merged_and_checked_together(tmp_path: Path) -> None:
    registries = write(tmp_path, "a.yaml", HEADER)
    rules = write(
        tmp_path,
        "b.yml",
        "version: 1\nrules:\n  - {name: r, registry: prod-hz, event: scan, scope: instance,"
        " notify: {https: {url: 'https://h.example.com'}}}\n",
    )
    assert load([rules]).config is None  # alone, the registry is unknown
    result = load([rules, registries])
    assert result.config is not None
    assert result.config.rules[0].registry == "prod-hz"
    assert result.files == (os.path.normpath(rules), os.path.normpath(registries))
    assert load([str(tmp_path)]).config == result.config  # a directory: its *.yaml and *.yml


def test_a_string_path_is_one_path() -> None:
    assert load(str(EXAMPLES / "registries.yaml")).ok  # type: ignore[arg-type]


def test_each_file_is_read_once(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", HEADER)
    assert load([path, str(tmp_path), path]).files == (os.path.normpath(path),)


def test_directories_are_not_searched_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "a.yaml", "version: 2\n")
    write(tmp_path, ".hidden.yaml", "version: 2\n")
    write(tmp_path, "notes.txt", "version: 2\n")
    result = load([str(tmp_path)])
    assert result.config is None
    (d,) = result.diagnostics
    assert d.code == "CRN002"
    assert d.file == os.path.normpath(str(tmp_path))
    assert d.line is None


def test_missing_and_odd_paths_are_diagnostics(tmp_path: Path) -> None:
    result = load([str(tmp_path / "nope.yaml"), "/dev/null"])
    assert codes(result) == ["CRN001", "CRN001"]
    assert result.config is None
    assert all(d.file and d.line is None for d in result.diagnostics)


def test_empty_paths_and_broken_links_say_what_they_are(tmp_path: Path) -> None:
    # `validate ""` used to say ". does not exist"; a dangling link, that the link does not exist.
    (tmp_path / "dangling.yaml").symlink_to("nowhere.yaml")
    (tmp_path / "loop.yaml").symlink_to("loop.yaml")
    result = load(["", str(tmp_path / "dangling.yaml"), str(tmp_path / "loop.yaml")])
    assert [d.message for d in result.diagnostics] == [
        "an empty path was given",
        f"{tmp_path / 'dangling.yaml'} is a symbolic link to nowhere.yaml, which cannot be followed",
        f"{tmp_path / 'loop.yaml'} is a symbolic link to loop.yaml, which cannot be followed",
    ]
    assert codes(result) == ["CRN001"] * 3


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", HEADER)
    os.chmod(path, 0)
    assert codes(load([path])) == ["CRN001"]


def test_binary_and_non_utf8_files(tmp_path: Path) -> None:
    binary = tmp_path / "b.yaml"
    binary.write_bytes(bytes(range(256)))
    latin = tmp_path / "l.yaml"
    latin.write_bytes(b"version: 1\n# caf\xe9\n")
    result = load([str(binary), str(latin)])
    assert codes(result) == ["CRN003", "CRN003"]
    assert [d.location for d in result.diagnostics] == [f"{binary}:2:118", f"{latin}:2:6"]


def test_huge_files_are_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (4 * 1024 * 1024 + 1))
    result = load([str(path)])
    assert codes(result) == ["CRN003"]
    assert "larger than 4 MiB" in result.diagnostics[0].message


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + HEADER.encode())
    assert load([str(path)]).ok


def test_empty_file_is_a_warning_only(tmp_path: Path) -> None:
    result = load([write(tmp_path, "a.yaml", "")])
    assert result.ok
    assert codes(result) == ["CRN007"]


def test_a_rule_with_schema_errors_is_not_checked_further(tmp_path: Path) -> None:
    text = HEADER + (
        "rules:\n  - {name: r_1, registry: prod-hz, event: build, scope: instance, tags: 5,"
        " scan_status: [COMPLETE], notify: {https: {url: 'https://h.example.com'}}}\n"
    )
    assert codes(load([write(tmp_path, "a.yaml", text)])) == ["CRN101"]


def test_rules_of_a_broken_registry_are_not_unknown(tmp_path: Path) -> None:
    text = (
        "version: 1\nregistries:\n"
        "  - {name: prod, provider: aliyun, region: cn-hangzhou, instance_id: cri-a}\n"
        "rules:\n  - {name: r, registry: prod, event: scan, scope: instance,"
        " notify: {https: {url: 'https://h.example.com'}}}\n"
    )
    assert codes(load([write(tmp_path, "a.yaml", text)])) == ["CRN104"]


def test_aws_rules_with_expressible_tags_and_keyword_dingtalk_are_valid(tmp_path: Path) -> None:
    text = (
        "version: 1\nregistries:\n  - {name: e, provider: aws, region: us-east-1, account: '123456789012'}\n"
        "rules:\n"
        "  - {name: scan.api_1, registry: e, event: signing, scope: {namespaces: [a]}, tags: 'v1|v2.*',"
        " notify: {dingtalk: {webhook: 'https://oapi.dingtalk.io/robot/send?access_token=${env:T}'}}}\n"
    )
    result = load([write(tmp_path, "a.yaml", text)], env={"T": "x-token-1"})
    assert result.ok, result.diagnostics


def test_push_is_refused_on_alibaba_and_valid_on_aws(tmp_path: Path) -> None:
    registries = (
        "version: 1\nregistries:\n"
        "  - {name: acr, provider: alibaba, region: cn-hangzhou, instance_id: cri-kmsiwlxxdcva}\n"
        "  - {name: ecr, provider: aws, region: us-east-1, account: '123456789012'}\n"
    )

    def rule(name: str, registry: str, event: str) -> str:
        return (
            f"  - name: {name}\n    registry: {registry}\n    event: {event}\n    scope: instance\n"
            "    notify: {https: {url: 'https://deploy.example.com/hook'}}\n"
            '    bus: {template: {format: json, text: \'{"image": "${repository}:${tag}"}\'}}\n'
        )

    refused = (
        "rules:\n" + rule("acr-push", "acr", "push") + rule("acr-full", "acr", "cr:Artifact:PushCompleted")
    )
    lost = rule("lost-push", "nowhere", "push")
    result = load([write(tmp_path, "a.yaml", registries + refused + lost)], env={})
    # Only the event (or the registry) is reported: the AWS variables in the template are no second error.
    assert [(d.code, d.path) for d in result.diagnostics] == [
        ("CRN222", ("rules", 0, "event")),
        ("CRN222", ("rules", 1, "event")),
        ("CRN205", ("rules", 2, "registry")),
    ]
    assert "cr:Artifact:PushCompleted to the EventBridge bus default" in result.diagnostics[0].message
    assert "an aws registry, where push is ECR Image Action" in (result.diagnostics[0].hint or "")

    valid = load(
        [write(tmp_path, "a.yaml", registries + "rules:\n" + rule("ecr-push", "ecr", "push"))], env={}
    )
    assert valid.ok, valid.diagnostics
    assert valid.config is not None
    [push] = valid.config.rules
    assert push.event_type is EventType.PUSH
    assert push.bus.template is not None
    assert dict(push.bus.template.variables)["tag"] == "$.detail.image-tag"


def test_whole_url_from_the_environment_is_checked_once_set(tmp_path: Path) -> None:
    text = HEADER + (
        "rules:\n  - {name: r, registry: prod-hz, event: scan, scope: {namespaces: [a]},"
        " notify: {dingtalk: {webhook: '${env:HOOK}'}}}\n"
    )
    path = write(tmp_path, "a.yaml", text)
    assert codes(load([path], env={})) == ["CRN216"]
    assert load([path], env={"HOOK": "https://oapi.dingtalk.com/robot/send?access_token=x"}).ok
    wrong = load([path], env={"HOOK": "https://example.com/secret-path"})
    assert codes(wrong) == ["CRN213"]
    assert "secret-path" not in wrong.diagnostics[0].message


def test_whole_http_url_from_the_environment_has_its_scheme_checked(tmp_path: Path) -> None:
    text = HEADER + (
        "rules:\n  - {name: r, registry: prod-hz, event: scan, scope: {namespaces: [a]},"
        " notify: {https: {url: '${env:HOOK}'}}}\n"
    )
    path = write(tmp_path, "a.yaml", text)
    assert load([path], env={"HOOK": "https://h.example.com/x"}).ok
    wrong = load([path], env={"HOOK": "http://h.example.com/private"})
    assert codes(wrong) == ["CRN212"]
    assert "private" not in wrong.diagnostics[0].message


def test_http_url_with_a_literal_password(tmp_path: Path) -> None:
    text = HEADER + (
        "rules:\n  - {name: r, registry: prod-hz, event: scan, scope: {namespaces: [a]},"
        " notify: {https: {url: 'https://bob:hunter2@h.example.com/x'}}}\n"
    )
    result = load([write(tmp_path, "a.yaml", text)])
    assert codes(result) == ["CRN214"]
    assert "hunter2" not in result.diagnostics[0].message


def test_a_bracket_in_a_url_host_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    # Found by test_config_fuzz: urllib raises "Invalid IPv6 URL" for an unmatched `[` in the host.
    path = tmp_path / "a.yaml"
    path.write_text(
        "version: 1\n"
        "registries:\n  - {name: p, provider: alibaba, region: cn-hangzhou, instance_id: cri-a}\n"
        "rules:\n  - name: r\n    registry: p\n    event: scan\n    scope: instance\n"
        '    notify: {https: {url: "https://[hooks.example.com/x"}}\n'
    )
    result = load([str(path)])
    assert result.config is None
    assert [(d.code, d.line) for d in result.diagnostics] == [("CRN105", 9)]
    assert "unmatched '['" in result.diagnostics[0].message
