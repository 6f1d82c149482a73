"""The Alibaba Cloud provider: Container Registry event rules and their EventBridge rules.

Importing this package imports the vendor SDKs (through `_sdk`, the only module that does): import it
inside a command, never at the top of a CLI module.
"""

from __future__ import annotations

from crnotify.providers.alibaba.provider import AlibabaProvider

__all__ = ["AlibabaProvider"]
