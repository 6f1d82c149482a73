"""AWS: Amazon ECR events delivered by Amazon EventBridge rules on the `default` bus.

Rules (pure, importable anywhere): `mapping` (declared rule → EventBridge rule), `targets` (API
destination, connection and message template of a rule), `limits`, `checks`, `assess`, `importer`,
`offline`, and `cloud` (the `Cloud` the table hands out). API: `provider` (the `Provider`), `live`,
`lease`, `errors` (the one translation of botocore errors) and `_sdk` (the only module that imports
boto3).
"""
