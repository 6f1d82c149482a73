"""Errors moto cannot produce: quota errors, throttling, partial failures.

moto never raises LimitExceededException nor ThrottlingException, and always answers PutTargets and
RemoveTargets with `FailedEntryCount: 0` (research/aws-facts.md §3.2 items 6 and 11). So:

- retry behaviour is checked against a local HTTP server on 127.0.0.1 that answers like EventBridge
  (JSON 1.1 protocol, `__type` error codes) and counts requests: the SDK's own retry machinery runs;
- per-entry failures use `botocore.stub.Stubber` for those responses only;
- the translation table is checked with botocore's own exception objects.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from botocore.exceptions import ClientError, NoCredentialsError
from botocore.stub import Stubber

from crnotify.errors import (
    AlreadyExists,
    AuthError,
    NotFound,
    PermissionDenied,
    ProviderError,
    QuotaExceeded,
    Throttled,
    TransientError,
)
from crnotify.model import Provider, Registry
from crnotify.providers.aws.errors import translate
from crnotify.providers.aws.provider import AwsProvider

REGISTRY = Registry(name="ecr-prod", provider=Provider.AWS, region="eu-west-1")  # no account: no STS call


class FakeEventBridge(BaseHTTPRequestHandler):
    """Answers each request with the next scripted (status, body); repeats the last one."""

    script: list[tuple[int, dict[str, Any]]]
    seen: list[str]

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.seen.append(self.headers.get("X-Amz-Target", ""))
        status, body = self.script[min(len(self.seen), len(self.script)) - 1]
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[FakeEventBridge]]:
    handler = type("Handler", (FakeEventBridge,), {"script": [], "seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


LIMIT = (
    400,
    {
        "__type": "LimitExceededException",
        "message": "The requested resource exceeds the maximum number allowed.",
    },
)
THROTTLED = (400, {"__type": "ThrottlingException", "message": "Rate exceeded"})


def test_limit_exceeded_is_a_quota_error_sent_once(fake: type[FakeEventBridge]) -> None:
    """botocore's default standard mode would retry this as throttling (aws-facts §5); we must not."""
    fake.script = [LIMIT]
    with pytest.raises(QuotaExceeded, match="quota") as caught:
        AwsProvider().read([REGISTRY])
    assert fake.seen == ["AWSEvents.ListRules"]
    assert caught.value.hint is not None
    assert "Service Quotas" in caught.value.hint


def test_throttling_is_retried_by_the_sdk(fake: type[FakeEventBridge]) -> None:
    fake.script = [THROTTLED, (200, {"Rules": []})]
    assert AwsProvider().read([REGISTRY]).rules == ()
    assert fake.seen == ["AWSEvents.ListRules", "AWSEvents.ListRules"]


def test_throttling_that_persists_is_reported_as_throttled(fake: type[FakeEventBridge]) -> None:
    fake.script = [THROTTLED]
    with pytest.raises(Throttled):
        AwsProvider(max_attempts=2).read([REGISTRY])
    assert len(fake.seen) == 2


# --- FailedEntries (PutTargets / RemoveTargets report failures per entry, without an exception) --------


def stubbed(provider: AwsProvider) -> tuple[Any, Stubber]:
    client = provider.client("eu-west-1")
    return client, Stubber(client)


def test_failed_entries_raise_with_per_target_detail(fake: type[FakeEventBridge]) -> None:
    sleeps: list[float] = []
    provider = AwsProvider(sleep=sleeps.append)
    client, stub = stubbed(provider)
    stub.add_response(
        "put_targets",
        {
            "FailedEntryCount": 1,
            "FailedEntries": [
                {"TargetId": "crnotify", "ErrorCode": "ValidationException", "ErrorMessage": "bad role"}
            ],
        },
    )
    with stub, pytest.raises(ProviderError, match=r"target crnotify: ValidationException: bad role"):
        provider._entries(
            client, "put_targets", "scan", Rule="scan", Targets=[{"Id": "crnotify", "Arn": "arn:x"}]
        )
    assert sleeps == []  # not retryable
    stub.assert_no_pending_responses()


def test_concurrent_modification_entries_are_retried_alone(fake: type[FakeEventBridge]) -> None:
    sleeps: list[float] = []
    provider = AwsProvider(sleep=sleeps.append)
    client, stub = stubbed(provider)
    failed = {"TargetId": "b", "ErrorCode": "ConcurrentModificationException", "ErrorMessage": "busy"}
    stub.add_response(
        "remove_targets",
        {"FailedEntryCount": 1, "FailedEntries": [failed]},
        {"Rule": "scan", "Ids": ["a", "b"]},
    )
    stub.add_response(
        "remove_targets", {"FailedEntryCount": 0, "FailedEntries": []}, {"Rule": "scan", "Ids": ["b"]}
    )
    with stub:
        provider._entries(client, "remove_targets", "scan", Rule="scan", Ids=["a", "b"])
    stub.assert_no_pending_responses()
    assert len(sleeps) == 1


def test_concurrent_modification_that_persists_fails(fake: type[FakeEventBridge]) -> None:
    sleeps: list[float] = []
    provider = AwsProvider(sleep=sleeps.append, max_attempts=3)  # the one retry policy's tries
    client, stub = stubbed(provider)
    failed = {"TargetId": "a", "ErrorCode": "ConcurrentModificationException", "ErrorMessage": "busy"}
    for _ in range(3):
        stub.add_response("remove_targets", {"FailedEntryCount": 1, "FailedEntries": [failed]})
    with stub, pytest.raises(TransientError, match="RemoveTargets on rule scan failed for 1 target"):
        provider._entries(client, "remove_targets", "scan", Rule="scan", Ids=["a"])
    stub.assert_no_pending_responses()
    assert len(sleeps) == 2


# --- the translation table -----------------------------------------------------------------------------


def client_error(
    code: str, message: str = "msg", status: int = 400, operation: str = "PutRule"
) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("LimitExceededException", 400, QuotaExceeded),
        ("ThrottlingException", 400, Throttled),
        ("AccessDeniedException", 400, PermissionDenied),
        ("UnrecognizedClientException", 400, AuthError),
        ("ExpiredTokenException", 400, AuthError),
        ("ResourceNotFoundException", 400, NotFound),
        ("ResourceAlreadyExistsException", 400, AlreadyExists),
        ("ConcurrentModificationException", 400, TransientError),
        ("InternalException", 500, TransientError),
        ("InvalidEventPatternException", 400, ProviderError),
    ],
)
def test_translation(code: str, status: int, kind: type[ProviderError]) -> None:
    error = translate(client_error(code, status=status))
    assert type(error) is kind
    assert error.code == code
    assert error.retryable is (kind in (Throttled, TransientError))


def test_permission_denied_names_the_iam_action() -> None:
    error = translate(client_error("AccessDeniedException", operation="CreateApiDestination"))
    assert "events:CreateApiDestination" in str(error)
    sts = translate(client_error("AccessDenied", operation="GetCallerIdentity"))
    assert "sts:GetCallerIdentity" in str(sts)


def test_secrets_are_masked_in_messages() -> None:
    error = translate(
        client_error("ValidationException", message="Value 'hook-s3cr3t' is invalid"), secrets=["hook-s3cr3t"]
    )
    assert "hook-s3cr3t" not in str(error)
    assert "***" in str(error)


def test_missing_credentials() -> None:
    error = translate(NoCredentialsError())
    assert isinstance(error, AuthError)
    assert error.hint is not None
    assert "AWS_PROFILE" in error.hint
