"""The Alibaba credential chain's own log records go through crnotify's masking handler."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from crnotify import redact
from crnotify.cli._logging import configure_logging
from crnotify.providers.alibaba import _sdk


@pytest.fixture
def masking_handler() -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    configure_logging(0)
    yield
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


def test_a_credential_failure_is_logged_masked(
    masking_handler: None, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = "cred-secret-value-0123"
    redact.remember(secret)
    try:
        raise RuntimeError(f"refresh failed for token {secret}")
    except RuntimeError:
        logging.getLogger("credentials").exception("credentials provider failed")
    err = capsys.readouterr().err
    assert "credentials provider failed" in err
    assert "RuntimeError" in err
    assert secret not in err
