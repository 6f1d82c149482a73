"""Alibaba Cloud: Container Registry (ACR) event rules and the EventBridge rules they generate.

Rules (pure, importable anywhere): `convention` (what ACR generates: the one place our assumptions
about the real cloud live), `limits`, `checks`, `desired`, `fields`, `assess`, `importer`, `offline`,
and `cloud` (the `Cloud` the table hands out). API: `provider` (the `Provider`), `cr`, `eventbridge`,
`read`, `errors` (the one translation of vendor errors) and `_sdk` (the only module that imports the
vendor SDKs) — import those inside a command, never at the top of a CLI module.
"""
