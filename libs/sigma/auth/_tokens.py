"""The static token file and the Authenticator built from it (after Kubernetes' token file).

The file is TOML, one ``[[tokens]]`` table per credential::

    [[tokens]]
    name = "shop-ci"                         # who: shown in logs and denials
    token = "sha256:9f86d081884c7d65..."     # the sha256 of the token (or the token itself)
    grants = { shop = "write", web = "read" }

    [[tokens]]
    name = "system"                          # the tiers and the cluster's operators
    token = "sha256:..."
    grants = { "*" = "admin" }

Tokens are kept only as sha256 digests, so a file holding digests gives nothing away when read,
and a lookup compares digests in constant time against every entry (no early exit that would
time how much of a guess was right). Neither a token nor a digest appears in any message.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from sigma.auth._policy import Principal, role
from sigma.errors import Invalid, Unauthenticated

HASHED = "sha256:"
BEARER = "bearer "


def digest(token: str) -> str:
    """``sha256:<hex>`` of a token: what the file may hold instead of the token itself."""
    return HASHED + hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Credential:
    digest: str
    principal: Principal


class Authenticator:
    """Maps a bearer token to its principal; immutable once built."""

    def __init__(self, credentials: Iterable[Credential]) -> None:
        self._credentials = tuple(credentials)
        seen: set[str] = set()
        for c in self._credentials:
            if c.principal.name in seen:
                raise Invalid("tokens", f"name {c.principal.name!r} appears twice")
            seen.add(c.principal.name)
        digests = [c.digest for c in self._credentials]
        if len(set(digests)) != len(digests):
            raise Invalid("tokens", "two entries share one token")

    @property
    def names(self) -> list[str]:
        return [c.principal.name for c in self._credentials]

    def authenticate(self, token: str | None, peers: frozenset[str] = frozenset()) -> Principal:
        """The principal ``token`` belongs to, with the TLS ``peers`` attached.

        Unauthenticated if it is missing or unknown (the message says which, never the token).
        """
        if not token:
            raise Unauthenticated("no credentials: send 'authorization: Bearer <token>'")
        wanted = digest(token).encode()
        found: Principal | None = None
        for c in self._credentials:  # all of them, whatever matches first
            if hmac.compare_digest(wanted, c.digest.encode()):
                found = c.principal
        if found is None:
            raise Unauthenticated("unknown token")
        return Principal(found.name, found.grants, peers)

    @classmethod
    def from_toml(cls, text: str, where: str = "tokens") -> Authenticator:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise Invalid(where, f"not TOML: {exc}") from None
        entries = data.get("tokens", [])
        if not isinstance(entries, list) or not entries:
            raise Invalid(where, "want one or more [[tokens]] tables")
        return cls(_credential(e, f"{where}: tokens[{i}]") for i, e in enumerate(entries))

    @classmethod
    def from_file(cls, path: str | Path) -> Authenticator:
        try:
            text = Path(path).read_text()
        except OSError as exc:
            raise Invalid("auth_tokens", f"cannot read {path}: {exc.strerror}") from None
        return cls.from_toml(text, str(path))


def _credential(entry: Any, where: str) -> Credential:
    if not isinstance(entry, dict):
        raise Invalid(where, "must be a table")
    unknown = set(entry) - {"name", "token", "grants"}
    if unknown:
        raise Invalid(where, f"unknown keys {sorted(unknown)}")
    name, token, grants = entry.get("name"), entry.get("token"), entry.get("grants")
    if not isinstance(name, str) or not name:
        raise Invalid(f"{where}.name", "required")
    if not isinstance(token, str) or not token:
        raise Invalid(f"{where}.token", "required")
    if token.startswith(HASHED):
        hexpart = token[len(HASHED) :]
        if len(hexpart) != 64 or any(ch not in "0123456789abcdef" for ch in hexpart):
            raise Invalid(f"{where}.token", "a sha256: digest is 64 lowercase hex digits")
        stored = token
    else:
        stored = digest(token)
    if not isinstance(grants, dict) or not grants:
        raise Invalid(f"{where}.grants", "want a table of namespace = role")
    checked = {str(ns): role(str(r), f"{where}.grants.{ns}") for ns, r in grants.items()}
    return Credential(stored, Principal(name, MappingProxyType(checked)))


def bearer(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    """The token of an ``authorization: Bearer <token>`` metadata entry, if there is one."""
    for key, value in metadata or ():
        if key == "authorization":
            text = value if isinstance(value, str) else bytes(value).decode(errors="replace")
            if text[: len(BEARER)].lower() == BEARER:
                return text[len(BEARER) :].strip()
            return ""
    return None
