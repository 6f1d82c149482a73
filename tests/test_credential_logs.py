"""The Alibaba credential chain's own log records go through crnotify's masking handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from crnotify import redact
from crnotify.cli._logging import configure_logging
from crnotify.providers.alibaba import _sdk


@pytest.fixture(params=[0, 1], ids=["default", "-v"])
def masking_handler(request: pytest.FixtureRequest) -> Iterator[int]:
    """crnotify's handler at the default level or at -v; yields the verbosity."""
    root = logging.getLogger()
    level = root.level
    configure_logging(request.param)
    yield request.param
    for handler in [h for h in root.handlers if type(h).__name__ == "_CrnotifyHandler"]:
        root.removeHandler(handler)
    root.setLevel(level)


def test_the_credentials_logger_has_no_handler_of_its_own() -> None:
    # Importing the library's providers is what attaches its StreamHandler; importing _sdk imports
    # them (through the credential client) and then removes it.
    assert _sdk.CredentialClient is not None
    logger = logging.getLogger("credentials")
    assert not [h for h in logger.handlers if type(h) is logging.StreamHandler]
    assert logger.propagate


def test_a_credential_failure_is_logged_masked_with_v_and_not_at_all_without(
    masking_handler: int, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "cred-secret-value-0123"
    redact.remember(secret)
    try:
        raise RuntimeError(f"refresh failed for token {secret}")
    except RuntimeError:
        logging.getLogger("credentials").exception("credentials provider failed")
    err = capsys.readouterr().err
    if masking_handler == 0:  # a library's records are for -v (issue 16 item 5)
        assert err == ""
        return
    assert "credentials provider failed" in err
    assert "RuntimeError" in err
    assert secret not in err
