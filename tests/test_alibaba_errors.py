"""The vendor-error translator: the SDK's own exception types in, crnotify errors with hints out.

Cases the emulator can serve are tested over HTTP in test_apply_emulator.py; these are the codes it
has no reason to produce (permission, activation, an unknown CreateEventCenterRule)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from alibabacloud_credentials.exceptions import CredentialException
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from crnotify.errors import (
    AuthError,
    NotActivated,
    NotFound,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    Throttled,
    TransientError,
)
from crnotify.providers.alibaba.errors import CallContext, translate

CTX = CallContext(
    action="cr:UpdateEventCenterRule", region="cn-hangzhou", resource="rule crecr-1", registry="prod"
)


@pytest.mark.parametrize(
    ("exc", "kind", "needle"),
    [
        (
            ClientException(code="Forbidden.RAM", status_code=403, message="no"),
            PermissionDenied,
            "cr:UpdateEventCenterRule",
        ),
        (
            ClientException(code="ServiceNotEnable", status_code=403, message="x"),
            NotActivated,
            "activate EventBridge",
        ),
        (
            ClientException(code="InvalidAccessKeyId.NotFound", status_code=404, message="x"),
            AuthError,
            "ALIBABA_CLOUD",
        ),
        (ThrottlingException(code="Throttling.User", status_code=429, message="x"), Throttled, "throttled"),
        (
            ClientException(code="EventRuleCountExceedLimit", status_code=409, message="x"),
            QuotaExceeded,
            "10 event rules",
        ),
        (ClientException(code="EventRuleNotExisted", status_code=404, message="x"), NotFound, "not found"),
        (ServerException(code="InternalError", status_code=500, message="x"), TransientError, "failed"),
        (CredentialException("unable to load credentials"), AuthError, "OIDC"),
    ],
)
def test_codes_become_actionable_errors(exc: Exception, kind: type[ProviderError], needle: str) -> None:
    error = translate(exc, CTX)
    assert type(error) is kind
    assert needle in str(error)


def test_not_found_says_where_to_look() -> None:
    instance = replace(CTX, action="cr:ListEventCenterRuleName", resource="instance cri-x")
    error = translate(ClientException(code="INSTANCE_NOT_EXIST", status_code=404, message="x"), instance)
    assert type(error) is NotFound
    assert error.hint == "check instance_id and region of registry prod in the YAML"
    error = translate(ClientException(code="EventRuleNotExisted", status_code=404, message="x"), CTX)
    assert error.hint == "it was deleted outside crnotify while this ran: run `crnotify plan` again"


def test_an_unknown_create_action_explains_the_console_and_adoption() -> None:
    ctx = CallContext(
        action="cr:CreateEventCenterRule", region="cn-hangzhou", resource="instance cri-x", registry="prod"
    )
    error = translate(ClientException(code="InvalidAction.NotFound", status_code=404, message="x"), ctx)
    assert "console" in str(error)
    assert "crnotify import --registry prod --adopt" in str(error)


def test_secret_values_are_masked_and_signature_messages_dropped() -> None:
    ctx = CTX.hiding("https://oapi.dingtalk.com/robot/send?access_token=tok-123", "SECabc")
    echoed = ClientException(
        code="InvalidParameter",
        status_code=400,
        message="bad EventConfig https://oapi.dingtalk.com/robot/send?access_token=tok-123 SECabc",
    )
    text = str(translate(echoed, ctx))
    assert "tok-123" not in text
    assert "SECabc" not in text
    signed = ClientException(
        code="SignatureDoesNotMatch", status_code=400, message="string to sign: SECabc tok-123"
    )
    assert "string to sign" not in str(translate(signed, CTX))


def test_secrets_are_masked_in_every_encoding_a_message_may_quote() -> None:
    class Failure(Exception):
        code = "InvalidParameter"
        message = (
            "bad EventConfig %7B%22webhook%22%3A%22https%3A%2F%2Foapi.dingtalk.com%2Frobot%2Fsend%3F"
            "access_token%3Dtok0123456789%22%2C%22token%22%3A%22a%2Fb%2Bc%3Dd%22%7D; raw tok0123456789"
        )

    url = "https://oapi.dingtalk.com/robot/send?access_token=tok0123456789"
    ctx = CallContext(action="cr:UpdateEventCenterRule", region="cn-hangzhou", resource="rule x")
    text = str(translate(Failure(), ctx.hiding(url, "a/b+c=d")))
    assert "tok0123456789" not in text
    assert "a%2Fb%2Bc%3Dd" not in text
    assert "***" in text
