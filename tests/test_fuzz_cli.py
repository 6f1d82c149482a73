"""No input makes `plan` or `apply --plan` crash: Hypothesis through the CLI, against live clouds.

`test_config_fuzz.py` feeds the same generators to the loader and `validate`; here they go through
`crnotify plan` against the emulator (Alibaba registries) and moto (AWS registries), where a config
that validates is also read against a cloud. Every outcome must be exit 0 or 1, with no traceback and
no "unexpected" error, and a config error must carry its file:line:col. Saved plan files, truncated,
corrupted or edited, must be refused with a clear message.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crnotify.cli import main
from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from support import hostile_files
from support.cli_run import CLI_VARIABLES
from test_config_fuzz import DATA, EXAMPLE_TEXTS

SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# file:line:col, or the file (directory) alone for a problem with the file as a whole. A path may
# itself contain ':' (a corrupted plan file can name ":tmp/…/c.yaml"), so only its first character is
# constrained.
LOCATION = re.compile(r"^\S.*?(:\d+:\d+)?: (error|warning) CRN\d{3} ")
ENV = {"T": "tok-fuzz", "S": "SECfuzz-1", "U": "u-fuzz-url"}
HOSTILE_CASES = [  # the names hostile_files.build returns, but the valid baseline
    "config-dir-dangling",
    "config-dir-loop",
    "config-dir-fifo",
    "yaml-flow-list-2m",
    "yaml-flow-deep",
    "yaml-block-mapping-big",
    "yaml-alias-bomb",
    "yaml-over-cap",
    "yaml-surrogate",
    "match-dev-zero",
    "match-fifo",
    "apply-plan-dev-zero",
    "apply-plan-fifo",
    "event-over-cap",
    *(
        f"{command}-event-{kind}"
        for command in ("match", "test")
        for kind in ("deep", "digits", "nan", "surrogate")
    ),
]


@pytest.fixture(scope="module")
def cloud() -> Iterator[str]:
    with EmulatorServer() as server:
        yield server.endpoint


@pytest.fixture
def environment(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Secrets for `${env:…}`, the emulator's keys, and boto3 pointed at moto only (`aws_env`)."""
    for name, value in {
        **ENV,
        "ALIBABA_CLOUD_ACCESS_KEY_ID": DEFAULT_ACCESS_KEY_ID,
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET": DEFAULT_ACCESS_KEY_SECRET,
        "NO_COLOR": "1",
    }.items():
        monkeypatch.setenv(name, value)
    for name in CLI_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def check(code: int, out: str, err: str) -> None:
    assert code in (0, 1), (code, out, err)
    assert "Traceback" not in out + err
    assert "Error: unexpected " not in err, err  # main's last resort for a crash
    if code == 1:
        assert err.startswith("Error: "), err
    if "the configuration is not valid:" in err:
        diagnostics = [line for line in err.splitlines()[1:] if not line.startswith("  hint: ")]
        assert diagnostics
        assert all(LOCATION.match(line) for line in diagnostics), diagnostics
    for value in ENV.values():
        assert value not in out + err


def plan_text(text: str | bytes, endpoint: str) -> int:
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "c.yaml")
        with open(path, "wb") as handle:
            handle.write(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
        validated = cli("validate", path)[0]
        code, out, err = cli("plan", path, "--endpoint", endpoint)
        check(code, out, err)
        if validated == 1:
            assert code == 1  # plan is never more lenient than validate
        return code


@SETTINGS
@given(st.text(max_size=300))
def test_plan_arbitrary_text(environment: None, cloud: str, text: str) -> None:
    plan_text(text, cloud)


@SETTINGS
@given(st.binary(max_size=200))
def test_plan_arbitrary_bytes(environment: None, cloud: str, data: bytes) -> None:
    plan_text(data, cloud)


@SETTINGS
@given(DATA)
def test_plan_yaml_in_the_format_vocabulary(environment: None, cloud: str, data: object) -> None:
    plan_text(yaml.safe_dump(data, allow_unicode=True), cloud)


@SETTINGS
@given(
    st.sampled_from(EXAMPLE_TEXTS),
    st.lists(
        st.tuples(st.integers(0, 10_000), st.integers(0, 3), st.text(max_size=4)), min_size=1, max_size=3
    ),
)
def test_plan_edited_examples(
    environment: None, cloud: str, text: str, edits: list[tuple[int, int, str]]
) -> None:
    for position, cut, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + cut :]
    plan_text(text, cloud)


CLOUD_REGISTRIES = [  # a valid set, unlike test_config_fuzz's, so that rules can reach the clouds
    {"name": "ali", "provider": "alibaba", "region": "cn-hangzhou", "instance_id": "cri-a"},
    {"name": "aws", "provider": "aws", "region": "us-east-1", "account": "123456789012"},
]


NAMES = st.sampled_from(["scan-api", "build.hook", "r_1", "x" * 64, "eventbridge-reserved-x", "a" * 130])
CLOUD_RULE = st.fixed_dictionaries(  # mostly valid, so that most configs are planned against the clouds
    {
        "name": st.one_of(NAMES, st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
        "registry": st.sampled_from(["ali", "ali", "aws", "nope"]),
        "event": st.sampled_from(["scan", "build", "delivery-chain", "synchronization", "signing"]),
        "scope": st.sampled_from(
            ["instance", {"namespaces": ["team-a", "b"]}, {"namespace": "team-a", "repositories": ["api"]}]
        ),
        "notify": st.sampled_from(
            [
                {"dingtalk": {"webhook": "https://oapi.dingtalk.com/robot/send?access_token=${env:T}"}},
                {
                    "dingtalk": {
                        "webhook": "https://oapi.dingtalk.com/robot/send?access_token=${env:T}",
                        "secret": "${env:S}",
                    }
                },
                {"https": {"url": "https://h.example.com/${env:U}", "token": "${env:S}"}},
                {"http": {"url": "http://h.example.com/x"}},
            ]
        ),
    },
    optional={
        "tags": st.sampled_from(["v.*", "^release-[0-9]+$", "(a|b)", "["]),
        "scan_status": st.sampled_from([["COMPLETE"], ["FAILED"]]),
        "bus": st.fixed_dictionaries(
            {},
            optional={
                "description": st.text(max_size=20),
                "enabled": st.booleans(),
                "template": st.fixed_dictionaries(
                    {
                        "format": st.sampled_from(["markdown", "text", "json"]),
                        "text": st.sampled_from(["${Tag}", '{"a": "${Tag}"}', "{"]),
                    },
                    optional={"title": st.text(max_size=10)},
                ),
            },
        ),
    },
)


@pytest.mark.slow
def test_plan_well_formed_but_wrong_configs(environment: None, cloud: str) -> None:
    """Mostly schema-valid rules over Alibaba and AWS registries: many reach the clouds and are planned."""
    codes: list[int] = []

    @SETTINGS
    @given(st.lists(CLOUD_RULE, max_size=3))
    def planned(rules: list[dict[str, object]]) -> None:
        document = {"version": 1, "registries": CLOUD_REGISTRIES, "rules": rules}
        code = plan_text(yaml.safe_dump(document), cloud)
        codes.append(code if rules else -1)

    planned()
    assert codes.count(0) >= 5, codes  # rules were planned against the clouds, not only loaded


# --- saved plan files ----------------------------------------------------------------------------

VALID = """\
version: 1
registries:
  - {name: prod, provider: alibaba, region: cn-hangzhou, instance_id: cri-fuzzplan}
rules:
  - name: hook
    registry: prod
    event: build
    scope: instance
    notify:
      https: {url: "https://hooks.example.com/x", token: "${env:S}"}
"""
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
).filter(lambda value: not (isinstance(value, str) and value.startswith(("/", "~", ".."))))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*prefix, index))


def _replace(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    head, *rest = path
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[head] = _replace(document[head], tuple(rest), value)
    return copy


@pytest.fixture(scope="module")
def saved_plan(cloud: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("plans")
    (directory / "c.yaml").write_text(VALID)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S", ENV["S"])
        patch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
        patch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", DEFAULT_ACCESS_KEY_SECRET)
        code, _, err = cli(
            "plan", str(directory / "c.yaml"), "--out", str(directory / "plan.json"), "--endpoint", cloud
        )
    assert code == 0, err
    return directory / "plan.json"


def apply_plan_file(text: str | bytes, cloud: str) -> tuple[int, str]:
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "plan.json"
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))
        code, out, err = cli("apply", "--plan", str(path), "--endpoint", cloud)
    check(code, out, err)
    return code, err


def test_plan_file_truncated_at_every_point(environment: None, cloud: str, saved_plan: Path) -> None:
    text = saved_plan.read_text()
    for cut in range(0, len(text), max(1, len(text) // 60)):
        code, err = apply_plan_file(text[:cut], cloud)
        assert code == 1
        assert (
            f"cannot read the plan file {Path(tempfile.gettempdir())}" in err
            or "cannot read the plan file" in err
        )


@SETTINGS
@given(st.data())
def test_plan_file_edited(environment: None, cloud: str, saved_plan: Path, data: st.DataObject) -> None:
    document = json.loads(saved_plan.read_text())
    path = data.draw(st.sampled_from(list(_paths(document))))
    edited = _replace(document, path, data.draw(JSON_VALUES))
    apply_plan_file(json.dumps(edited), cloud)


@SETTINGS
@given(st.binary(max_size=64), st.integers(0, 4000))
def test_plan_file_corrupted(environment: None, cloud: str, saved_plan: Path, junk: bytes, at: int) -> None:
    text = saved_plan.read_bytes()
    at %= len(text) + 1
    apply_plan_file(text[:at] + junk + text[at + len(junk) :], cloud)


def test_plan_file_nested_too_deep_or_not_json(environment: None, cloud: str) -> None:
    for text in ("[" * 100_000, "null", "[]", '{"kind": "crnotify-plan"}', "\udcff", b"\xff\xfe\x00"):
        code, err = apply_plan_file(text, cloud)
        assert code == 1
        assert "cannot read the plan file" in err


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    return hostile_files.build(tmp_path_factory.mktemp("hostile"))


@pytest.mark.parametrize("case", HOSTILE_CASES)
def test_hostile_files_are_clear_errors(environment: None, hostile: dict[str, list[str]], case: str) -> None:
    """Issue 13: unreadable config entries, unbounded reads, YAML past its budgets, hostile JSON.
    Their time and memory are measured by bench/hostile_inputs.py."""
    code, out, err = cli(*hostile[case])
    check(code, out, err)
    assert code == 1, (case, out, err)
