"""The client's network address: the peer of the connection, unless that peer is a proxy the
operator trusts (``YIMA_TRUSTED_PROXIES``), in which case the address it forwarded.

``X-Forwarded-For`` is written by the client as much as by proxies, so it is read only when
the connection comes from a trusted proxy, and then from the right: each trusted proxy
appends the address it saw, and the first hop that is not a trusted proxy is the client. The
scan rate limits and the per-address bursts of campaign risk control both use this address.
"""

from __future__ import annotations

from collections.abc import Sequence
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import HTTPConnection

from graph_model.errors import InvalidField

__all__ = ["Network", "client_address", "parse_networks"]

Network = IPv4Network | IPv6Network
UNKNOWN = "unknown"


def parse_networks(name: str, text: str) -> tuple[Network, ...]:
    """Comma-separated addresses or networks (``10.0.0.0/8, ::1``); :class:`InvalidField`
    naming ``name`` for one that is neither."""
    out: list[Network] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            out.append(ip_network(part, strict=False))
        except ValueError:
            raise InvalidField(name, f"{part!r} is not an IP address or network") from None
    return tuple(out)


def _address(text: str) -> IPv4Address | IPv6Address | None:
    try:
        return ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: IPv4Address | IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in net for net in proxies)


def client_address(request: HTTPConnection, proxies: Sequence[Network]) -> str:
    """The address the request came from, as text."""
    peer = request.client.host if request.client else UNKNOWN
    if not proxies or not _trusted(_address(peer), proxies):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",")]
    for hop in reversed([h for h in hops if h]):
        address = _address(hop)
        if address is None:
            return peer  # a malformed hop: nothing left of it can be believed
        if not _trusted(address, proxies):
            return str(address)
    return peer
