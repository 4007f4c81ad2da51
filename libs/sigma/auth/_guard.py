"""The check every RPC passes before its handler runs: authenticate, then authorize.

The gRPC edge (``sigma.rpc``) calls ``Guard.admit`` with the deserialized request, so a rule can
read the namespace the request acts in; the principal admitted is then available to the handler
through ``current``. A Guard without an Authenticator is the open cluster (no tokens configured):
everyone is ``ANONYMOUS`` and allowed, except that the TLS peer check of control calls still holds.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass
from typing import Any

from sigma.auth._policy import ANONYMOUS, Principal, Rule, authorize
from sigma.auth._tokens import Authenticator
from sigma.errors import PermissionDenied

current: contextvars.ContextVar[Principal] = contextvars.ContextVar(
    "sigma_principal", default=ANONYMOUS
)


@dataclass(frozen=True, slots=True)
class Guard:
    authenticator: Authenticator | None = None  # None: no tokens, every caller allowed
    # With client certificates required: the certificate names that may make control calls.
    control_peers: frozenset[str] | None = None

    @property
    def open(self) -> bool:
        return self.authenticator is None

    def admit(
        self,
        rule: Rule | None,
        method: str,
        request: Any,
        token: str | None,
        peers: frozenset[str] = frozenset(),
    ) -> Principal:
        """The caller, if it may make this call; else Unauthenticated or PermissionDenied.

        A method without a rule is refused when tokens are on: forgetting to declare one fails
        closed.
        """
        if self.authenticator is None:
            principal = Principal(ANONYMOUS.name, ANONYMOUS.grants, peers)
        else:
            principal = self.authenticator.authenticate(token, peers)
            if rule is None:
                raise PermissionDenied(f"{method} declares no access rule")
        if rule is None:
            return principal
        authorize(principal, rule, request, method)
        control = rule.verb == "control" and self.control_peers is not None
        if control and not peers & self.control_peers:  # type: ignore[operator]
            named = ", ".join(sorted(peers)) or "no name"
            raise PermissionDenied(
                f"{method} is for the control plane; the client certificate has {named}"
            )
        return principal
