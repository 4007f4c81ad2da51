"""The security settings every tier takes, and what a server and a client build from them.

Both are off by default: no token file means the cluster is open (a local ``sigma up``), no
certificate means plaintext gRPC. Each is turned on by pointing at files, so secrets live in
files (or a secret store mounting them), never in flags, environment or logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sigma.auth._guard import Guard
from sigma.auth._tokens import Authenticator
from sigma.errors import Invalid

# Certificate names (CN or SAN) that may command a slave when client certificates are required.
CONTROL_NAMES = ("apiserver", "scheduler", "colocator", "admin")


def _opt(default: Any, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(frozen=True, slots=True)
class Security:
    auth_tokens: str = _opt(
        "", "token file (TOML, see README Security); every RPC then needs a token (empty: open)"
    )
    tls_cert: str = _opt("", "PEM certificate this server presents (empty: plaintext gRPC)")
    tls_key: str = _opt("", "PEM private key of --tls-cert")
    tls_ca: str = _opt("", "PEM CA bundle; when set, clients must present a certificate it signed")
    tls_control_names: tuple[str, ...] = _opt(
        CONTROL_NAMES,
        "with --tls-ca: client certificate names (CN/SAN) allowed to make control calls",
    )

    def __post_init__(self) -> None:
        if bool(self.tls_cert) != bool(self.tls_key):
            raise Invalid("tls_key", "--tls-cert and --tls-key go together")
        if self.tls_ca and not self.tls_cert:
            raise Invalid("tls_ca", "client certificates need TLS: set --tls-cert and --tls-key")

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert)

    def guard(self) -> Guard:
        """Reads the token file now, so a bad one fails the start, not the first call."""
        authenticator = Authenticator.from_file(self.auth_tokens) if self.auth_tokens else None
        peers = frozenset(self.tls_control_names) if self.tls_ca else None
        return Guard(authenticator, peers)
