"""`plan/drift --format markdown` end to end against the emulator through the official SDKs, and `-vv`
debug logs of the same run (SDK and urllib3 included) that never show a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alibabacloud_eventbridge20200401 import models as eb_models

from crnotify.emulator.server import EmulatorServer
from test_cli_cloud import SECRETS, run, workdir  # noqa: F401 -- `workdir` is a fixture


def test_markdown_plan_and_drift_exit_codes(
    workdir: Path,  # noqa: F811
    emulator: EmulatorServer,
    capsys: Any,
    eventbridge_client: Any,
) -> None:
    at = ("--endpoint", emulator.endpoint)
    code, out, err = run(capsys, "plan", "config", "--format", "markdown", "--detailed-exitcode", *at)
    assert code == 2, err
    assert out.startswith(
        "<!-- crnotify:plan -->\n\n### crnotify plan: 2 to create, 0 to update, 0 to delete"
    )
    assert "| `notify.url` | — | _sensitive: added_ |" in out
    assert run(capsys, "apply", "config", "--auto-approve", *at)[0] == 0

    code, out, _ = run(capsys, "plan", "config", "--format", "markdown", "--detailed-exitcode", *at)
    assert (code, out.splitlines()[2]) == (0, "### crnotify plan: no changes")
    code, out, _ = run(capsys, "drift", "config", "--format", "markdown", *at)
    assert (code, out.splitlines()[2]) == (0, "### crnotify drift: none")

    eventbridge_client.disable_rule(eb_models.DisableRuleRequest(event_bus_name="default", rule_name="hook"))
    code, out, _ = run(capsys, "drift", "config", "--format", "markdown", *at)
    assert code == 2
    assert "> [!WARNING]\n> **1 EventBridge rule(s) were edited outside crnotify.**" in out
    assert "<details><summary><code>prod/hook</code>: bus_changed" in out


def test_debug_logs_of_an_apply_hold_no_secret(
    workdir: Path,  # noqa: F811
    emulator: EmulatorServer,
    capsys: Any,
) -> None:
    # apply sends the DingTalk webhook (access token), the signing secret and the HTTP token to the
    # cloud; urllib3 logs each request line at DEBUG, query string included.
    code, _, err = run(capsys, "-vv", "apply", "config", "--auto-approve", "--endpoint", emulator.endpoint)
    assert code == 0, err
    assert "DEBUG urllib3.connectionpool" in err
    assert "access_token%3D***" in err  # it was there, and it was masked
    assert not any(value in err for value in SECRETS.values())  # run() checks out/err as well
