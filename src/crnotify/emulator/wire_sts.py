"""Security Token Service (API 2015-04-01) on the wire: GetCallerIdentity, so `crnotify doctor` can ask
who the credentials are, as it asks the real cloud.

Response fields and example (`IdentityType` Account/RAMUser/AssumedRoleUser, `AccountId`,
`PrincipalId`, `UserId`, `Arn` `acs:ram::<account>:user/admin`): the API reference,
https://www.alibabacloud.com/help/en/ram/developer-reference/api-sts-2015-04-01-getcalleridentity —
no RAM authorisation is needed for it. The emulator's one key pair is the account's own (its root).
"""

from __future__ import annotations

from crnotify.emulator.wire import Body, Call, Route

STS_VERSION = "2015-04-01"


def get_caller_identity(call: Call) -> Body:
    return {
        "RequestId": call.request_id,
        "IdentityType": "Account",
        "AccountId": call.account,
        "PrincipalId": call.account,
        "UserId": call.account,
        "Arn": f"acs:ram::{call.account}:root",
    }


ROUTES = (
    Route(
        "STS",
        STS_VERSION,
        "GetCallerIdentity",
        get_caller_identity,
        "Who the credentials are: the emulator's account, as its root identity",
        in_sdk=False,
    ),
)
