"""A local cloud: ACR event rules and EventBridge behind the real SDK wire protocol, plus delivery.

server.py      EmulatorServer: one HTTP server, faults, latency, the request counter
signing.py     ACS3-HMAC-SHA256 verification; replay.py the date and nonce checks of remote serving
http_guard.py  loopback guard and bounded body reads, shared with dingtalk_server.py (the robot)
routing.py     (x-acs-version, x-acs-action) → route; wire_acr.py / wire_eventbridge.py shape bodies
state.py       EmulatorState: the state machine (acr.py, eventbridge.py, targets.py, traces.py)
store.py       SQLite persistence, one transaction per call
errors.py      the coded errors; docgen.py renders them and the routes into docs/emulator.md
"""
