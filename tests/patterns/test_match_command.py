"""`crnotify match`: answer and explanation on stdout, exit 0 for either answer, 1 with a clear message."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crnotify.cli import main

SRC = Path(__file__).resolve().parents[2] / "src"
ACR_SCAN = {
    "source": "acs.cr",
    "type": "cr:Artifact:ScanCompleted",
    "data": {"RepoNamespaceName": "team-a", "RepoName": "api", "Tag": "v1.2", "Status": "COMPLETE"},
}


def test_match_prints_true_and_why(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps(ACR_SCAN), encoding="utf-8")
    pattern = '{"source": ["acs.cr"], "data": {"Tag": [{"prefix": "v"}]}}'
    assert main(["match", pattern, str(event)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "true"
    assert lines[1] == "matched (alibaba dialect)"
    assert "data.Tag: 'v1.2' matched prefix 'v'" in lines[3]


def test_match_prints_false_and_exits_zero(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    pattern = tmp_path / "pattern.json"
    pattern.write_text(json.dumps({"data": {"Tag": [{"prefix": "release-"}]}}), encoding="utf-8")
    assert main(["match", "--dialect", "alibaba", str(pattern), json.dumps(ACR_SCAN)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "false"
    assert "✗ data.Tag: 'v1.2' did not match prefix 'release-'" in out


def test_match_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    pattern = '{"detail": {"repositories": {"repository-name": ["r2"], "scan-frequency": ["MANUAL"]}}}'
    event = {
        "detail": {
            "repositories": [{"repository-name": "r1", "scan-frequency": "MANUAL"}, {"repository-name": "r2"}]
        }
    }
    assert main(["match", "--dialect", "aws", "--format", "json", pattern, json.dumps(event)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["matched"] is False
    assert document["dialect"] == "aws"
    assert document["format_version"] == 1
    summary = document["fields"][-1]
    assert summary["path"] == "detail.repositories"
    assert summary["matched"] is False


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--dialect", "aws", '{"a": [{"contains": "x"}]}', "{}"],
            'a[0]: unknown operator "contains" in the aws dialect',
        ),
        (["--dialect", "alibaba", '{"a": [{"wildcard": "x*"}]}', "{}"], 'unknown operator "wildcard"'),
        (['{"a": "x"}', "{}"], "a: must be an object or an array"),
        (['{"a": [1]', "{}"], "PATTERN (inline JSON) is not valid JSON"),
        (['{"a": [1]}', "[1, 2]"], "EVENT (inline JSON) must be a JSON object"),
        (["missing-pattern.json", "{}"], "PATTERN: no such file 'missing-pattern.json'"),
        (["-", "-"], "only one of PATTERN and EVENT"),
    ],
)
def test_match_errors_exit_one_with_a_message(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["match", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err
    assert "Traceback" not in captured.err


def test_match_reads_stdin_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    result = subprocess.run(
        [sys.executable, "-m", "crnotify", "match", "--dialect", "aws", "-", '{"source": "aws.ecr"}'],
        input='{"source": [{"anything-but": "aws.ec2"}]}',
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "true"


def test_match_unreadable_file_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    assert main(["match", str(directory), "{}"]) == 1
    assert "PATTERN: cannot read" in capsys.readouterr().err
