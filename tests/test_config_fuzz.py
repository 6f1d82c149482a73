"""No input makes `validate` raise: Hypothesis over arbitrary text, over YAML built from the format's
own vocabulary (to reach the semantic checks), and over random edits of the valid examples."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnotify.cli import main
from crnotify.config import load
from crnotify.render import diagnostics_json, diagnostics_text

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_TEXTS = [p.read_text() for p in sorted((REPO / "examples").glob("*.yaml"))]
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

KEYS = [
    "version", "registries", "rules", "name", "provider", "region", "instance_id", "account", "registry",
    "event", "scope", "namespaces", "namespace", "repositories", "tags", "scan_status", "notify", "dingtalk",
    "webhook", "secret", "http", "https", "url", "token", "bus", "description", "enabled", "template",
    "format", "title", "text", "variables", "x-extra", "<<",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(
        [
            1, 2, "alibaba", "aws", "cn-hangzhou", "eu-west-1", "us-east-1", "cri-abc", "123456789012",
            "scan", "build", "delivery-chain", "push", "instance", "team-a", "v.*", "^v1\\.", "[", "(?P<x>a)",
            "COMPLETE", "https://oapi.dingtalk.com/robot/send?access_token=${env:T}", "http://h.example.com/x",
            "https://h.example.com/${env:", "${env:S}", "SEC123", "markdown", "json", "text", "${Tag} ${No}",
            "{\"a\": ${Tag}}", True, None, "$.data.Tag", "",
        ]
    ),
    st.text(max_size=12),
    st.integers(),
    st.floats(allow_nan=True),
)  # fmt: skip
DATA = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
    ),
    max_leaves=40,
)


def check_file_text(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "c.yaml")
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
        result = load([path], env={"T": "tok-fuzz-1", "S": "SECx-fuzz-1"})
        assert (result.config is None) == any(d.is_error for d in result.diagnostics)
        for d in result.diagnostics:
            assert d.file is not None
            assert d.code.startswith("CRN")
            assert "valid under" not in d.message  # jsonschema's oneOf wording never reaches users
            assert d.hint, (d.code, d.message)
        diagnostics_text.render(result.diagnostics, config=result.config, files=result.files)
        diagnostics_json.render(result.diagnostics, config=result.config, files=result.files)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = main(["validate", path])
        assert rc == (0 if result.ok else 1)
        assert err.getvalue() == "", err.getvalue()


@SETTINGS
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    check_file_text(text)


@SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes(data: bytes) -> None:
    check_file_text(data)


@SETTINGS
@given(DATA, st.sampled_from(["block", "flow"]))
def test_yaml_in_the_format_vocabulary(data: object, style: str) -> None:
    check_file_text(yaml.safe_dump(data, default_flow_style=(style == "flow"), allow_unicode=True))


@pytest.mark.slow
@SETTINGS
@given(st.dictionaries(st.sampled_from(KEYS[3:]), DATA, max_size=8), st.integers(0, 2))
def test_rule_shaped_documents(rule: dict[str, object], copies: int) -> None:
    document = {
        "version": 1,
        "registries": [{"name": "r", "provider": "alibaba", "region": "cn-hangzhou", "instance_id": "cri-a"}],
        "rules": [rule] * (copies + 1),
    }
    check_file_text(yaml.safe_dump(document))


@SETTINGS
@given(
    st.sampled_from(EXAMPLE_TEXTS),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.text(max_size=4)), min_size=1, max_size=4
    ),
)
def test_edited_examples(text: str, edits: list[tuple[int, int, str]]) -> None:
    for position, cut, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + cut :]
    check_file_text(text)


# Mostly schema-valid rules, so that the semantic checks see many combinations.
NOTIFY = st.sampled_from(
    [
        {"dingtalk": {"webhook": "https://oapi.dingtalk.com/robot/send?access_token=${env:T}"}},
        {"dingtalk": {"webhook": "https://oapi.dingtalk.io/robot/send?access_token=x", "secret": "${env:S}"}},
        {"dingtalk": {"webhook": "${env:T}"}},
        {"http": {"url": "http://h.example.com/${env:U}"}},
        {"https": {"url": "http://u:p@h.example.com", "token": "${env:S}"}},
        {"https": {"url": "${env:S}/x"}},
    ]
)
RULE = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["r", "r_1", "r.1", "eventbridge-reserved-x", "a" * 70, "a" * 130]),
        "registry": st.sampled_from(["ali", "aws", "nope", "broken"]),
        "event": st.sampled_from(
            ["scan", "build", "delivery-chain", "signing", "push", "cr:Artifact:SynchronizationCompleted"]
        ),
        "scope": st.sampled_from(
            [
                "instance",
                {"namespaces": ["a"]},
                {"namespace": "a"},
                {"namespace": "a", "repositories": ["b"]},
                {"namespaces": ["a", "b"], "repositories": ["c"]},
                {"namespace": "a", "namespaces": ["a"], "repositories": ["c"]},
                {"repositories": ["c"]},
            ]
        ),
        "notify": NOTIFY,
    },
    optional={
        "tags": st.sampled_from([".*", "v.*", "^v1\\.", "v[0-9]+", "(a|b)", "\\Z", "[a&&b]", "x.+"]),
        "scan_status": st.just(["FAILED"]),
        "bus": st.fixed_dictionaries(
            {},
            optional={
                "description": st.just("d"),
                "enabled": st.booleans(),
                "template": st.fixed_dictionaries(
                    {
                        "format": st.sampled_from(["markdown", "text", "json"]),
                        "text": st.sampled_from(["${Tag}", '{"a": ${X}}', "{"]),
                    },
                    optional={"title": st.just("t"), "variables": st.just({"X": "$.data.X"})},
                ),
            },
        ),
    },
)
REGISTRIES = [
    {"name": "ali", "provider": "alibaba", "region": "cn-hangzhou", "instance_id": "cri-a"},
    {"name": "ali2", "provider": "alibaba", "region": "cn-hangzhou", "instance_id": "cri-a"},
    {
        "name": "aws",
        "provider": "aws",
        "region": "us-east-1",
        "account": "123456789012",
        "instance_id": "cri-b",
    },
    {"name": "broken", "provider": "aliyun", "region": "x"},
]


@SETTINGS
@given(
    st.lists(RULE, max_size=14),
    st.sampled_from([{}, {"T": "t-fuzz-token", "S": "s-fuzz-secret", "U": "u-fuzz-url-1"}]),
    st.booleans(),
)
def test_semantic_combinations(rules: list[dict[str, object]], env: dict[str, str], for_cloud: bool) -> None:
    text = yaml.safe_dump({"version": 1, "registries": REGISTRIES, "rules": rules})
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "c.yaml")
        Path(path).write_text(text)
        result = load([path], env=env, for_cloud=for_cloud)
        assert (result.config is None) == any(d.is_error for d in result.diagnostics)
        assert all(d.line is not None for d in result.diagnostics)
        diagnostics_text.render(result.diagnostics, config=result.config, files=result.files)
