"""Where a probe may send a request, and which key it may send: the operator's rules.

A staff token may add an endpoint, and a probe then sends the value of the
endpoint's `api_key_env` to its `base_url`. Left open, that sends the server's
environment (SECRET_KEY, DATABASE_URL) to any host, or reaches what only the
server can reach (cloud metadata at 169.254.169.254, the private network). So:

- `api_key_env` names a variable in PROBE_KEY_ENVS (default OPENROUTER_API_KEY), or none;
- `base_url` is https://, or plain http:// to a loopback host when PROBE_ALLOW_LOOPBACK
  is on (tests and a local model server), without credentials, query or fragment;
- every address the host resolves to is public: loopback only when allowed, never
  private, link-local, metadata, multicast, reserved, unspecified or otherwise
  non-global. A name is resolved here, once per call, and the call connects to the
  address checked (probes.client), so a DNS answer that changes between the check
  and the connection (rebinding) cannot move the call.

The same rules run when an endpoint is written (probes.endpoints, a 400 naming the
field) and again before every call (probes.services, probes.client): a row written
before the rules or behind the service's back, a name that resolves somewhere new,
or an operator who narrowed the rules, is refused with no request sent.

Pure: settings are passed in by the caller.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]{0,99}")
# The instance metadata services of the big clouds (AWS, GCP, Azure, OpenStack use the
# IPv4 one; AWS also answers on the IPv6 one): a request there can hand out credentials.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
# Names that are loopback by definition (RFC 6761); plain http may go to them when
# loopback is allowed, and their addresses are still checked to be loopback.
_LOOPBACK_NAMES = re.compile(r"^(?:.+\.)?localhost$")
# A name's answers are all checked; at most this many are tried in turn.
MAX_ADDRESSES = 8

HTTPS_ONLY = (
    "base_url must be https:// (plain http:// only to a loopback address, and only when "
    "PROBE_ALLOW_LOOPBACK is on)"
)


class Refused(Exception):
    """An endpoint the rules do not allow a probe to call. `message` names no secret."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class Unresolved(Exception):
    """The host has no address now (DNS failed): nothing to check and nothing to call."""


@dataclass(frozen=True)
class Target:
    """A base URL split into what a call needs; `host` is ASCII (IDNA) and lower-case."""

    scheme: str
    host: str
    port: int
    path: str  # without the trailing "/"
    literal: IPAddress | None  # the host, when the URL names an address

    @property
    def host_header(self) -> str:
        """The Host header the URL implies (the port only when it is not the scheme's)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def key_env_refusal(name: str, allowed: Collection[str]) -> str | None:
    """Why `name` may not be an endpoint's key variable, or None ("" means no key)."""
    if name == "":
        return None
    if not ENV_NAME.fullmatch(name):
        return "api_key_env must name an environment variable (A-Z, 0-9, _), not hold a key"
    if name not in allowed:
        return (
            "api_key_env may name only a variable the operator allows in PROBE_KEY_ENVS "
            f"({', '.join(allowed) or 'none'}), not {name!r}"
        )
    return None


def _unmapped(address: IPAddress) -> IPAddress:
    """An IPv4 address written as IPv6 (::ffff:a.b.c.d) is that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_kind(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """What makes `address` one a probe may not call ("a private address"), or None."""
    address = _unmapped(address)
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    if address.is_unspecified:
        return "an unspecified address"  # 0.0.0.0 and :: connect to this machine
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"  # shared (100.64/10), benchmarking, 6to4 of these...
    return None


def target_parse(base_url: Any, *, allow_loopback: bool) -> Target:
    """The rules a URL alone can be held to (no DNS). Raises Refused(field="base_url")."""
    if not isinstance(base_url, str) or not base_url:
        raise Refused("base_url must be a non-empty string", field="base_url")
    try:
        parts = urlsplit(base_url)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(base_url) > 2000
    ):
        raise Refused(
            "base_url must be an http(s) URL such as https://api.example.com/v1", field="base_url"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise Refused(
            "base_url must not carry credentials, a query or a fragment; name the key's "
            "variable in api_key_env",
            field="base_url",
        )
    host = parts.hostname.rstrip(".")
    literal: IPAddress | None
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise Refused("base_url's host is not a valid name", field="base_url") from None
    if literal is not None:
        kind = address_kind(literal, allow_loopback=allow_loopback)
        if kind is not None:
            raise Refused(
                f"base_url points at {_unmapped(literal)}, {kind}, which a probe may not call",
                field="base_url",
            )
    if parts.scheme == "http":
        loopback = literal.is_loopback if literal is not None else bool(_LOOPBACK_NAMES.match(host))
        if not (allow_loopback and loopback):
            raise Refused(HTTPS_ONLY, field="base_url")
    return Target(
        scheme=parts.scheme,
        host=host if literal is None else str(literal),
        port=port or (443 if parts.scheme == "https" else 80),
        path=parts.path.rstrip("/"),
        literal=literal,
    )


Resolver = Callable[..., list[tuple[Any, ...]]]


def target_addresses(
    target: Target, *, allow_loopback: bool, resolve: Resolver | None = None
) -> list[IPAddress]:
    """The addresses to connect to, every one of them checked; Refused if any is not
    allowed, Unresolved if the name has none. An address URL needs no DNS."""
    if target.literal is not None:
        return [target.literal]
    # Looked up at call time, so the process's resolver is the one used.
    resolve = resolve or socket.getaddrinfo
    try:
        answers = resolve(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolved(f"{target.host} does not resolve: {exc}") from None
    addresses: list[IPAddress] = []
    for family, *_rest, sockaddr in answers:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolved(f"{target.host} has no IP address")
    for address in addresses:
        kind = address_kind(address, allow_loopback=allow_loopback)
        if kind is None and target.scheme == "http" and not _unmapped(address).is_loopback:
            kind = "not a loopback address, and plain http:// goes to loopback only"
        if kind is not None:
            raise Refused(
                f"base_url's host {target.host!r} resolves to {_unmapped(address)}, {kind}, "
                "which a probe may not call",
                field="base_url",
            )
    return addresses[:MAX_ADDRESSES]


def endpoint_check(
    *,
    base_url: Any,
    api_key_env: Any,
    allowed_key_envs: Collection[str],
    allow_loopback: bool,
    resolve: bool = True,
) -> None:
    """Every rule for an endpoint: its key variable, its URL and (when `resolve`) the
    addresses its host has now. Raises Refused naming the field. A host that does not
    resolve now passes: it cannot be called either, and every call checks again."""
    if not isinstance(api_key_env, str):
        raise Refused("api_key_env must be a string", field="api_key_env")
    target = target_parse(base_url, allow_loopback=allow_loopback)
    message = key_env_refusal(api_key_env, allowed_key_envs)
    if message is not None:
        raise Refused(message, field="api_key_env")
    if resolve:
        try:
            target_addresses(target, allow_loopback=allow_loopback)
        except Unresolved:
            pass
