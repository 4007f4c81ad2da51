"""Who may do what where: roles, principals, per-method rules, and the one decision.

Pure: no I/O, no gRPC. A principal holds grants, namespace → role; ``*`` grants a role in every
namespace and is the only grant that reaches cluster-wide calls (a List or Watch across
namespaces, the colocator's node views, the slave's admin API). A rule says what one RPC
method does (its verb) and where (the request field naming the namespace, or the cluster).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from sigma.errors import Invalid, PermissionDenied

Verb = Literal["read", "write", "control"]
Role = Literal["read", "write", "admin"]
CLUSTER = "*"

# What each role may do. "control" is commanding machines (a slave's Drain): admin only.
ROLES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "read": frozenset({"read"}),
        "write": frozenset({"read", "write"}),
        "admin": frozenset({"read", "write", "control"}),
    }
)


def role(value: str, where: str) -> Role:
    """``value`` as a role, or Invalid naming ``where`` it came from."""
    if value not in ROLES:
        raise Invalid(where, f"role {value!r} is not one of {sorted(ROLES)}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller: its name (never its token), grants, and TLS peer names."""

    name: str
    grants: Mapping[str, Role] = field(default_factory=dict)
    peers: frozenset[str] = frozenset()  # the client certificate's CN and SANs, with mTLS

    def allows(self, verb: Verb, namespace: str) -> bool:
        """True if some grant covers ``verb`` in ``namespace`` (``*``: cluster-wide)."""
        for scope in (namespace, CLUSTER) if namespace != CLUSTER else (CLUSTER,):
            granted = self.grants.get(scope)
            if granted is not None and verb in ROLES[granted]:
                return True
        return False


# The caller when authentication is off: everything is allowed, as before tokens existed.
ANONYMOUS = Principal("anonymous", MappingProxyType({CLUSTER: "admin"}))


@dataclass(frozen=True, slots=True)
class Rule:
    """One RPC method's access: its verb, and the request field naming the namespace it acts in.

    ``field=None`` marks a cluster-scoped method. An empty namespace in the request means "every
    namespace" (a slave listing its node's pods), so it too needs the cluster grant.
    """

    verb: Verb
    field: str | None = "namespace"

    def namespace(self, request: Any) -> str:
        if self.field is None:
            return CLUSTER
        return str(getattr(request, self.field)) or CLUSTER


# A service's table: method name → rule. Every method of the service must have one.
Access = Mapping[str, Rule]

READ = Rule("read")
WRITE = Rule("write")
CLUSTER_READ = Rule("read", None)
CONTROL = Rule("control", None)


def authorize(principal: Principal, rule: Rule, request: Any, method: str) -> None:
    """Raise PermissionDenied unless ``principal`` may call ``method`` with ``request``.

    The message names the caller, verb, method and namespace, never a credential.
    """
    namespace = rule.namespace(request)
    if not principal.allows(rule.verb, namespace):
        where = "cluster-wide" if namespace == CLUSTER else f"in namespace {namespace!r}"
        raise PermissionDenied(f"{principal.name!r} may not {rule.verb} {where} ({method})")
