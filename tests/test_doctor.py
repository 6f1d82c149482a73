"""`crnotify doctor` (issue 14 item 6) against the emulator over HTTP, and the STS call it makes."""

from __future__ import annotations

from crnotify.emulator.server import DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, EmulatorServer
from crnotify.providers.alibaba import _sdk


def test_sts_get_caller_identity_names_the_emulator_account(emulator: EmulatorServer) -> None:
    connection = _sdk.Connection(
        region="cn-hangzhou",
        endpoint=emulator.endpoint,
        access_key=(DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET),
    )
    body = _sdk.caller_identity(connection)
    assert body["AccountId"] == emulator.account_id
    assert body["IdentityType"] == "Account"
    assert body["Arn"] == f"acs:ram::{emulator.account_id}:root"
