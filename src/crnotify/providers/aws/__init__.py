"""The AWS provider: Amazon ECR events delivered by Amazon EventBridge rules on the `default` bus.

Pure modules (no SDK, importable anywhere): `mapping` (declared rule → EventBridge rule, and the
checks validation runs for `aws` registries), `targets` (API destination, connection and message
template of a rule), `importer` (EventBridge rule → declared rule). I/O: `events` (the provider),
`errors` (the one translation of botocore errors) and `_sdk` (the only module that imports boto3).
"""
