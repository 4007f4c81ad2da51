"""TLS for gRPC from PEM files: server credentials (optionally requiring client certificates),
channel credentials, and the names a client certificate carries.

Files are read once, when a server or channel is made; a missing or unreadable one is an
``Invalid`` naming the setting, so a wrong path stops a tier at start with one line.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from sigma.errors import Invalid

# auth_context keys under which gRPC reports the verified client certificate's names.
_PEER_KEYS = ("x509_common_name", "x509_subject_alternative_name")


def read_pem(path: str, setting: str) -> bytes:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise Invalid(setting, f"cannot read {path}: {exc.strerror}") from None
    if b"-----BEGIN " not in data:
        raise Invalid(setting, f"{path} is not PEM")
    return data


def server_credentials(cert: str, key: str, ca: str = "") -> grpc.ServerCredentials:
    """TLS with this server's certificate; with ``ca``, clients must present one it signed."""
    pair = (read_pem(key, "tls_key"), read_pem(cert, "tls_cert"))
    roots = read_pem(ca, "tls_ca") if ca else None
    return grpc.ssl_server_credentials(
        [pair], root_certificates=roots, require_client_auth=bool(ca)
    )


def channel_credentials(ca: str = "", cert: str = "", key: str = "") -> grpc.ChannelCredentials:
    """Trust ``ca`` (the system roots if empty); present ``cert``/``key`` when given (mTLS)."""
    if bool(cert) != bool(key):
        raise Invalid("tls_key", "tls_cert and tls_key go together")
    return grpc.ssl_channel_credentials(
        root_certificates=read_pem(ca, "tls_ca") if ca else None,
        private_key=read_pem(key, "tls_key") if key else None,
        certificate_chain=read_pem(cert, "tls_cert") if cert else None,
    )


def peer_names(context: grpc.aio.ServicerContext) -> frozenset[str]:
    """The verified client certificate's CN and SANs (empty without mTLS)."""
    auth = context.auth_context() or {}
    names: set[str] = set()
    for key in _PEER_KEYS:
        for value in auth.get(key, ()):
            names.add(value.decode(errors="replace") if isinstance(value, bytes) else str(value))
    return frozenset(names)
