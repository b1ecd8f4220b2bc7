"""The client's address behind reverse proxies that this server trusts, and no others."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from gridmap.core.errors import BadInput

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """Addresses or networks separated by commas or spaces; BadInput names a wrong one."""
    networks = []
    for item in text.replace(",", " ").split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise BadInput(
                f"GRIDMAP_TRUSTED_PROXIES: '{item}' is not an IP address or network "
                "(write e.g. 10.0.0.5 or 10.0.0.0/24, separated by commas)"
            ) from None
    return tuple(networks)


def client_address(remote: str, forwarded_for: str, trusted: Iterable[Network]) -> str:
    """The address of the first untrusted hop, walking X-Forwarded-For from the right.

    Only a trusted proxy's word is taken: a client that sends its own X-Forwarded-For straight
    to the server, or through an untrusted hop, is known by the address that reached us.
    """
    networks = tuple(trusted)
    address = remote
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    while _is_trusted(address, networks) and hops:
        hop = hops.pop()
        if not _is_address(hop):
            break  # a malformed entry: the last trusted proxy is all we know
        address = hop
    return address


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class TrustedProxies:
    """WSGI middleware: REMOTE_ADDR becomes the client's address as trusted proxies report it,
    so the login rate limit, the audit log and the access log all see the real client."""

    def __init__(self, app: Callable[..., Any], trusted: tuple[Network, ...]):
        self.app = app
        self.trusted = trusted

    def __call__(self, environ: dict, start_response: Callable[..., Any]) -> Any:
        """Rewrite REMOTE_ADDR, then call the app."""
        environ["REMOTE_ADDR"] = client_address(
            environ.get("REMOTE_ADDR", ""), environ.get("HTTP_X_FORWARDED_FOR", ""), self.trusted
        )
        return self.app(environ, start_response)
