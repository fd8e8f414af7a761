"""Which proxy a URL goes through: the configured one, or the environment's as curl reads it.

``https_proxy`` / ``HTTPS_PROXY`` serve https URLs, ``http_proxy`` / ``HTTP_PROXY`` http
ones, ``all_proxy`` / ``ALL_PROXY`` both when the scheme's own is unset; the lower-case
name wins.  ``HTTP_PROXY`` is ignored inside a CGI request (``REQUEST_METHOD`` set), where
a client's ``Proxy:`` header arrives under that name ("httpoxy").  ``no_proxy`` /
``NO_PROXY`` lists hosts reached directly: ``*`` alone for every host; a name matches
itself and its subdomains (a leading dot is ignored: ``.example.com`` is
``example.com``); an IP address or CIDR block matches the addresses in it; ``:port``
restricts an entry to that port.  Loopback is not bypassed unless listed (as in curl).

``NO_PROXY`` applies to a configured proxy too (as the generated client's ``no_proxy``,
which defaults to it).  Proxy credentials (``user:password@`` in the URL) are sent as
``Proxy-Authorization``.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Optional, Union
from urllib.parse import unquote

from urllib3.util import make_headers
from urllib3.util.url import parse_url

from openapiopenai.exceptions import ApiValueError

__all__ = ["EnvironmentProxies", "NoProxy", "proxy_credentials", "split_proxy_auth"]

logger = logging.getLogger("openapiopenai")

_SCHEMES = ("http", "https")
if TYPE_CHECKING:  # annotations only: a Union costs a process's start to make
    _Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def split_proxy_auth(proxy: str) -> tuple[str, dict[str, str]]:
    """``proxy`` without ``user:password@``, and the ``Proxy-Authorization`` it stood for.

    urllib3 drops the credentials of a proxy URL; the proxy then answers 407.
    """
    scheme, sep, rest = proxy.partition("://")
    authority, slash, path = rest.partition("/")
    userinfo, at, hostport = authority.rpartition("@")
    if not sep or not at:
        return proxy, {}
    user, _, password = userinfo.partition(":")
    auth = f"{unquote(user)}:{unquote(password)}"
    return f"{scheme}://{hostport}{slash}{path}", make_headers(proxy_basic_auth=auth)


def proxy_credentials(
    proxy: Optional[str], headers: Optional[Mapping[str, str]] = None
) -> list[str]:
    """Every form in which a proxy's credentials could be echoed back, to redact them.

    The password of ``user:password@`` in ``proxy`` as written and percent-decoded, the
    ``Proxy-Authorization`` value made of it, and each value of ``headers`` (the
    configuration's ``proxy_headers``); a header value also without its scheme word
    (``Basic``, ``Bearer``) and, for ``Basic``, the password it encodes.
    """
    found: list[str] = []
    values = list(headers.values()) if headers else []
    if proxy:
        authority = proxy.partition("://")[2].partition("/")[0]
        userinfo, at, _ = authority.rpartition("@")
        password = userinfo.partition(":")[2]
        if at and password:
            found += [password, unquote(password)]
        values += split_proxy_auth(proxy)[1].values()
    for value in values:
        if not isinstance(value, str):
            continue
        scheme, _, token = value.strip().partition(" ")
        found += [value, token.strip()]
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(token.strip(), validate=True).decode("latin-1")
            except (binascii.Error, ValueError):
                continue
            found.append(decoded.partition(":")[2])
    return [s for s in dict.fromkeys(found) if s]


class _Rule:
    """One ``NO_PROXY`` entry: a host name (matching its subdomains too) or a network."""

    __slots__ = ("name", "network", "port")

    def __init__(
        self, name: Optional[str], network: Optional[_Network], port: Optional[int]
    ) -> None:
        self.name = name
        self.network = network
        self.port = port


class NoProxy:
    """The hosts a ``NO_PROXY`` value sends directly (see the module docs for its forms)."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.everything = value.strip() == "*"
        entries = [] if self.everything else value.replace(",", " ").split()
        self._rules = [_rule(e) for e in entries]

    def __repr__(self) -> str:
        return f"NoProxy({self.value!r})"

    def bypasses(self, host: str, port: int) -> bool:
        """Whether ``host`` (as urllib3 parses it: IPv6 in brackets) at ``port`` goes direct."""
        if self.everything:
            return True
        name = host.strip("[]").split("%", 1)[0].rstrip(".").lower()
        try:
            address: Optional[Union[ipaddress.IPv4Address, ipaddress.IPv6Address]]
            address = ipaddress.ip_address(name)
        except ValueError:
            address = None
        for rule in self._rules:
            if rule is None or (rule.port is not None and rule.port != port):
                continue
            if rule.network is not None:
                same_kind = address is not None and address.version == rule.network.version
                if same_kind and address in rule.network:
                    return True
            elif rule.name and (name == rule.name or name.endswith("." + rule.name)):
                return True
        return False


def _rule(entry: str) -> Optional[_Rule]:
    entry = entry.strip().lower()
    port: Optional[int] = None
    if entry.startswith("["):  # [v6] or [v6]:port
        inside, _, after = entry[1:].partition("]")
        if after.startswith(":") and after[1:].isdigit():
            port = int(after[1:])
        entry = inside
    elif entry.count(":") == 1:  # host:port (more colons: a bare IPv6 address)
        entry, _, port_text = entry.partition(":")
        if not port_text.isdigit():
            return None
        port = int(port_text)
    entry = entry.lstrip(".").rstrip(".")
    if not entry:
        return None
    try:
        return _Rule(None, ipaddress.ip_network(entry, strict=False), port)
    except ValueError:
        return _Rule(entry, None, port)


class EnvironmentProxies:
    """The proxies the environment names, per scheme, and the hosts that bypass them.

    (A plain class: a frozen dataclass or a named tuple costs every process's start to make.)
    """

    __slots__ = ("http", "https", "no_proxy")

    def __init__(self, http: Optional[str], https: Optional[str], no_proxy: NoProxy) -> None:
        self.http = http
        self.https = https
        self.no_proxy = no_proxy

    @classmethod
    def from_environ(cls, environ: Optional[Mapping[str, str]] = None) -> EnvironmentProxies:
        env = os.environ if environ is None else environ

        def get(name: str) -> Optional[tuple[str, str]]:
            for variable in (name.lower(), name.upper()):
                if variable == "HTTP_PROXY" and "REQUEST_METHOD" in env:
                    continue  # CGI: the client's Proxy header, not a setting
                value = env.get(variable, "").strip()
                if value:
                    return variable, value
            return None

        fallback = get("all_proxy")
        found = {}
        for scheme in ("http", "https"):
            setting = get(f"{scheme}_proxy") or fallback
            found[scheme] = _usable(*setting) if setting else None
        no_proxy = get("no_proxy")
        return cls(found["http"], found["https"], NoProxy(no_proxy[1] if no_proxy else ""))

    def for_scheme(self, scheme: str) -> Optional[str]:
        """The proxy URL for ``scheme`` URLs (before ``NO_PROXY``), or ``None``."""
        return self.https if scheme == "https" else self.http


def _usable(variable: str, value: str) -> Optional[str]:
    """``value`` as an http(s) proxy URL (``http://`` when it names no scheme), or ``None``.

    A proxy kind urllib3 cannot speak without extra packages (``socks5://``) is skipped
    with a warning; a URL that does not parse is an ``ApiValueError`` naming the variable.
    """
    if "://" not in value:
        value = "http://" + value
    scheme = value.partition("://")[0].lower()
    if scheme not in _SCHEMES:
        logger.warning(
            "%s names a %s:// proxy, which this client does not support; connecting"
            " without it (set NO_PROXY or Configuration(proxy=...) to choose)",
            variable,
            scheme,
        )
        return None
    try:
        parsed = parse_url(split_proxy_auth(value)[0])
    except ValueError:
        parsed = None
    if parsed is None or not parsed.host:
        raise ApiValueError(
            f"{variable}: not a proxy URL such as http://proxy.internal:3128; fix it or"
            " build the Configuration with trust_env=False"
        )
    return value
