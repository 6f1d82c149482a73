"""`crnotify doctor`'s renderers, pinned by golden files (regenerate with CRNOTIFY_UPDATE_GOLDEN=1 and
review the diff): the account id masked unless asked for, the settled variants listed for --profile."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from crnotify.emulator import variants
from crnotify.providers.base import Check, Checkup, Observation
from crnotify.render import doctor_json, doctor_text

GOLDEN = Path(__file__).parent / "golden"
ACCOUNT = "1968132000123456"
CHECKUPS = (
    Checkup(
        registry="prod",
        cloud="alibaba",
        region="cn-hangzhou",
        account=ACCOUNT,
        identity=f"RAMUser acs:ram::{ACCOUNT}:user/ci",
        checks=(
            Check(
                topic="identity",
                name="sts:GetCallerIdentity",
                status="ok",
                detail=f"RAMUser acs:ram::{ACCOUNT}:user/ci",
            ),
            Check(topic="region", name="cn-hangzhou", status="ok", detail="offers ACR event notifications"),
            Check(topic="eventbridge", name="activated", status="ok", detail="the default bus answers"),
            Check(
                topic="quota", name="ACR event rules of cri-prod", status="ok", detail="3 used, 7 left of 10"
            ),
            Check(topic="action", name="cr:ListEventCenterRuleName", status="answered"),
            Check(
                topic="action",
                name="eventbridge:DeleteTargets",
                status="denied",
                detail="grant the RAM action `eventbridge:DeleteTargets`",
            ),
        ),
        observations=(
            Observation(
                variant="success-code",
                assumption='a successful EventBridge answer has Code "Success"',
                observed="200",
                default="Success",
                evidence="ListEventBuses answered Code '200'",
            ),
            Observation(
                variant="regeneration",
                assumption="ACR regenerates the bus rule with the registry save",
                observed="async:450",
                default="sync",
                evidence="regenerated 412 ms after the save (5 GetRule calls)",
            ),
            Observation(
                variant="notify-status",
                assumption='a delivered push traces NotifyStatus "success"',
                observed=None,
                default="success",
                evidence="needs a real push through a rule",
            ),
        ),
        probe=("scratch rule crnotify-doctor-0a1b2c3d in namespace team-a of cri-prod", "cleaned up"),
    ),
)


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CRNOTIFY_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize(
    ("module", "name"), [(doctor_text, "doctor_probe.txt"), (doctor_json, "doctor_probe.json")]
)
def test_golden(module: object, name: str) -> None:
    text = module.render(CHECKUPS)  # type: ignore[attr-defined]
    assert ACCOUNT not in text
    check(name, text)


def test_show_account_keeps_it() -> None:
    assert ACCOUNT in doctor_text.render(CHECKUPS, show_account=True)
    assert json.loads(doctor_json.render(CHECKUPS, show_account=True))["registries"][0]["account"] == ACCOUNT


def test_the_report_is_a_profile(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(doctor_json.render(CHECKUPS))
    active = variants.configured(profile=str(path))
    assert active.spelled() == ("success-code=200", "regeneration=async:450")
