"""The routing table: (`x-acs-version`, `x-acs-action`) → route, for every product on one server."""

from __future__ import annotations

from collections.abc import Mapping

from crnotify.emulator import cloud_errors as errors
from crnotify.emulator import wire_acr, wire_eventbridge, wire_sts
from crnotify.emulator.wire import Route

ROUTES: Mapping[tuple[str, str], Route] = {
    (route.version, route.action): route
    for route in (*wire_acr.ROUTES, *wire_eventbridge.ROUTES, *wire_sts.ROUTES)
}


def find(version: str, action: str) -> Route:
    route = ROUTES.get((version, action))
    if route is None:
        raise errors.UNKNOWN_ACTION.error(f"Specified api {action!r} of version {version!r} is not found.")
    return route
