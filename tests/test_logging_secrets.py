"""Logs never show secrets: values substituted for ${env:NAME} and DingTalk's access_token/sign query
values are masked in every record crnotify's -v handler writes, whichever logger produced it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from crnotify.cli import main
from crnotify.cli._logging import configure_logging
from crnotify.model import SecretText
from crnotify.redact import MASK, forget_all, mask

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def debug_logging(capsys: pytest.CaptureFixture[str]) -> Iterator[None]:
    root = logging.getLogger()
    level = root.level
    forget_all()  # values other tests in this process resolved are not this test's business
    configure_logging(2)
    yield
    configure_logging(0)
    root.setLevel(level)


def test_resolved_env_values_are_masked_in_any_logger(
    debug_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    url = SecretText(template="https://hooks.example.com/x?key=${env:HOOK_KEY}").resolve(
        {"HOOK_KEY": "k3y/with spaces&more"}
    )
    assert url.value is not None
    logging.getLogger("urllib3.connectionpool").debug('POST "%s" 200', url.value)
    logging.getLogger("alibabacloud").debug("body: Url=%s", "k3y%2Fwith%20spaces%26more")
    err = capsys.readouterr().err
    assert "k3y" not in err
    assert f'POST "https://hooks.example.com/x?key={MASK}" 200' in err
    assert f"body: Url={MASK}" in err


def test_dingtalk_query_secrets_are_masked_even_when_never_resolved(
    debug_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    logging.getLogger("urllib3").debug(
        "GET /robot/send?access_token=0123abcd&timestamp=1700000000000&sign=a%2Bb%3D HTTP/1.1"
    )
    logging.getLogger("x").info(
        "Webhook=https%3A%2F%2Foapi.dingtalk.com%2Frobot%2Fsend%3Faccess_token%3Dfeed"
    )
    err = capsys.readouterr().err
    assert "0123abcd" not in err
    assert "a%2Bb" not in err
    assert "feed" not in err
    assert f"access_token={MASK}&timestamp=1700000000000&sign={MASK}" in err
    assert f"access_token%3D{MASK}" in err


def test_exceptions_in_logs_are_masked(debug_logging: None, capsys: pytest.CaptureFixture[str]) -> None:
    SecretText(template="${env:TOKEN}").resolve({"TOKEN": "tok-SENSITIVE-1"})
    try:
        raise RuntimeError("refused tok-SENSITIVE-1")
    except RuntimeError:
        logging.getLogger("crnotify").exception("call failed for %s", "tok-SENSITIVE-1")
    err = capsys.readouterr().err
    assert "SENSITIVE" not in err
    assert "RuntimeError: refused ***" in err


def test_mask_leaves_ordinary_text_alone() -> None:
    forget_all()
    SecretText(template="${env:A}").resolve({"A": "x7Kq2mWd9"})
    assert mask("design=blue signal=1 tokens=3 abc") == "design=blue signal=1 tokens=3 abc"
    # A path with words and short ids is no token; one that looks generated is masked.
    url = "https://hooks.slack.com/services/T0AB12CD3/B0EF45GH6/robot"
    assert mask(url) == url
    assert mask(url + "/q8Xv2LmN4pR7sT1wY5zA3bC6") == url + "/***"


def _ours(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if type(h).__name__ == "_CrnotifyHandler"]


def test_which_commands_install_the_masking_handler(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = logging.getLogger()
    level = root.level
    monkeypatch.chdir(REPO)
    try:
        for handler in _ours(root):
            root.removeHandler(handler)
        assert main(["validate", "examples/warnings/empty.yaml"]) == 0
        assert _ours(root) == []  # offline, no -v: logging is left alone (fast start)
        assert main(["-v", "validate", "examples/warnings/empty.yaml"]) == 0
        assert root.level == logging.INFO
        assert main(["-vv", "validate", "examples/warnings/empty.yaml"]) == 0
        assert root.level == logging.DEBUG
        assert len(_ours(root)) == 1  # a second invocation replaced the first handler
        # A cloud command masks the SDKs' warnings even without -v.
        assert main(["drift", "no-such-dir/"]) == 1
        assert root.level == logging.WARNING
        assert len(_ours(root)) == 1
    finally:
        configure_logging(0)
        root.setLevel(level)
