"""Test helper: model values the AWS tests share (imported like tests/support/fakecloud.py).

`ECR_PROD` is the registry the AWS provider, mapping, target and importer tests declare; `resolved`
gives a rule its notify values as config loading leaves them, `${env:…}` resolved against `env`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from crnotify.model import Provider, Registry, Rule

ECR_PROD = Registry(name="ecr-prod", provider=Provider.AWS, region="eu-west-1", account="123456789012")


def resolved(rule: Rule, env: Mapping[str, str]) -> Rule:
    notify = replace(
        rule.notify,
        url=rule.notify.url.resolve(env),
        secret=None if rule.notify.secret is None else rule.notify.secret.resolve(env),
    )
    return replace(rule, notify=notify)
