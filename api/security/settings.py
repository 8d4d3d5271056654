"""Security settings from the environment.

``YIMA_AUTH`` (``on`` by default; ``off`` lets anyone do anything, for a local demo, and says
so loudly), ``YIMA_GRAPHQL_INTROSPECTION`` (``on`` by default; ``off`` for production),
``YIMA_SCAN_RATE_DEVICE`` and ``YIMA_SCAN_RATE_ADDRESS`` (public scans a minute per device and
per client address), ``YIMA_SCAN_RATE_SHARED`` (``off`` by default: each process keeps its
own buckets; ``on``: the buckets are kept in Neo4j and hold across every API process; ``yima
serve --workers N`` turns it on when N > 1), ``YIMA_MAX_BODY_BYTES`` (the largest request
body, default 32 MiB), ``YIMA_TRUSTED_PROXIES`` (comma-separated addresses or networks of
proxies whose ``X-Forwarded-For`` names the client; default none, so the connection's peer is
the client).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from api.security.client_address import Network, parse_networks
from graph_model.errors import InvalidField

__all__ = ["SecuritySettings"]

MAX_BODY_BYTES = 32 * 1024 * 1024  # a 10,000-event capture document fits
SCANS_PER_DEVICE = 30  # a minute
SCANS_PER_ADDRESS = 300  # a minute; a shop's Wi-Fi carries many consumers
_SWITCH = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    text = env.get(name, "").strip().lower()
    if not text:
        return default
    if text not in _SWITCH:
        raise InvalidField(name, f"{text!r} must be on or off")
    return _SWITCH[text]


def _rate(env: Mapping[str, str], name: str, default: int) -> int:
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise InvalidField(name, f"{text!r} must be a positive whole number of scans a minute")
    return int(text)


@dataclass(frozen=True, slots=True)
class SecuritySettings:
    auth: bool = True
    introspection: bool = True
    scans_per_device: int = SCANS_PER_DEVICE
    scans_per_address: int = SCANS_PER_ADDRESS
    shared_scan_limits: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    trusted_proxies: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SecuritySettings:
        env = os.environ if env is None else env
        return cls(
            auth=_switch(env, "YIMA_AUTH", True),
            introspection=_switch(env, "YIMA_GRAPHQL_INTROSPECTION", True),
            scans_per_device=_rate(env, "YIMA_SCAN_RATE_DEVICE", SCANS_PER_DEVICE),
            scans_per_address=_rate(env, "YIMA_SCAN_RATE_ADDRESS", SCANS_PER_ADDRESS),
            shared_scan_limits=_switch(env, "YIMA_SCAN_RATE_SHARED", False),
            max_body_bytes=_rate(env, "YIMA_MAX_BODY_BYTES", MAX_BODY_BYTES),
            trusted_proxies=parse_networks(
                "YIMA_TRUSTED_PROXIES", env.get("YIMA_TRUSTED_PROXIES", "")
            ),
        )
