#!/usr/bin/env bash
# The README's demo: plan, apply, and plan again against the embedded local cloud (`--local`), using
# the YAML in examples/. No cloud account, no network: the emulator runs in-process on 127.0.0.1.
# The second plan must say "No changes." — the script fails otherwise.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# CRNOTIFY overrides the command (tests run it as "python -m crnotify"); default: the repo's venv.
if [ -z "${CRNOTIFY:-}" ]; then
  if [ -x "$repo/.venv/bin/crnotify" ]; then CRNOTIFY="$repo/.venv/bin/crnotify"; else CRNOTIFY=crnotify; fi
fi

# Harmless stand-ins for the secrets the examples reference as ${env:…}. The local cloud keeps them in
# its state file and crnotify never prints them; nothing is sent anywhere.
export DINGTALK_RELEASE_TOKEN=demo-release-token DINGTALK_RELEASE_SECRET=SECdemo-release-secret
export AUDIT_HOOK_TOKEN=demo-audit-token MIRROR_MONITOR_KEY=demo-mirror-key MIRROR_MONITOR_TOKEN=demo-mirror-token
export ECR_HOOK_TOKEN=demo-ecr-token DINGTALK_ECR_TOKEN=demo-ecr-dingtalk-token DEPLOY_GATE_TOKEN=demo-gate-token
export DEPLOY_HOOK_TOKEN=demo-deploy-hook-token
# The embedded cloud emulates Alibaba Cloud; the examples' aws registry is listed as not planned
# (docs/aws.md shows how to run it against a local moto server with AWS_ENDPOINT_URL).
unset AWS_ENDPOINT_URL
export NO_COLOR="${NO_COLOR:-}"

# A fresh local cloud: its state lives under .crnotify/ of the directory crnotify runs in.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

say() { printf '\n$ crnotify %s\n' "$*"; }
say "--local plan examples/"
$CRNOTIFY --local plan "$repo/examples"
say "--local apply --auto-approve examples/"
$CRNOTIFY --local apply --auto-approve "$repo/examples"
say "--local plan --detailed-exitcode examples/"
$CRNOTIFY --local plan --detailed-exitcode "$repo/examples"
