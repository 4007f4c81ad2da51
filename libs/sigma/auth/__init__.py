"""Who is calling and what it may do: tokens mapped to namespace roles, checked on every RPC.

``Authenticator`` turns a bearer token into a ``Principal`` (from the static token file);
``authorize`` decides a ``Rule`` (one per RPC method, declared next to each servicer) for a
principal; ``Guard`` does both at the gRPC edge; ``Security`` is the settings every tier takes.
"""

from sigma.auth._guard import Guard, current
from sigma.auth._policy import (
    ANONYMOUS,
    CLUSTER,
    CLUSTER_READ,
    CONTROL,
    READ,
    ROLES,
    WRITE,
    Access,
    Principal,
    Role,
    Rule,
    Verb,
    authorize,
)
from sigma.auth._settings import CONTROL_NAMES, Security
from sigma.auth._tokens import Authenticator, Credential, bearer, digest

__all__ = [
    "ANONYMOUS",
    "CLUSTER",
    "CLUSTER_READ",
    "CONTROL",
    "CONTROL_NAMES",
    "READ",
    "ROLES",
    "WRITE",
    "Access",
    "Authenticator",
    "Credential",
    "Guard",
    "Principal",
    "Role",
    "Rule",
    "Security",
    "Verb",
    "authorize",
    "bearer",
    "current",
    "digest",
]
