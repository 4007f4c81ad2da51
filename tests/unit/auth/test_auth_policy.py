"""The pure decisions: which grant allows which verb where, and what the guard answers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sigma.auth import (
    CLUSTER,
    CLUSTER_READ,
    CONTROL,
    READ,
    WRITE,
    Authenticator,
    Credential,
    Guard,
    Principal,
    Rule,
    authorize,
    digest,
)
from sigma.errors import PermissionDenied, Unauthenticated

SHOP_WRITE = Principal("shop-ci", {"shop": "write"})
VIEWER = Principal("viewer", {CLUSTER: "read"})
ROOT = Principal("system", {CLUSTER: "admin"})


@pytest.mark.parametrize(
    ("principal", "verb", "namespace", "allowed"),
    [
        (SHOP_WRITE, "read", "shop", True),
        (SHOP_WRITE, "write", "shop", True),
        (SHOP_WRITE, "control", "shop", False),  # write is not admin
        (SHOP_WRITE, "read", "web", False),  # another team's namespace
        (SHOP_WRITE, "read", CLUSTER, False),  # cluster-wide needs a "*" grant
        (Principal("r", {"shop": "read"}), "write", "shop", False),
        (Principal("a", {"shop": "admin"}), "control", CLUSTER, False),  # own-namespace admin
        (VIEWER, "read", "web", True),  # "*" reaches every namespace...
        (VIEWER, "read", CLUSTER, True),  # ...and cluster-wide reads
        (VIEWER, "write", "web", False),
        (ROOT, "control", CLUSTER, True),
        (ROOT, "write", "anything", True),
    ],
)
def test_grants(principal: Principal, verb: str, namespace: str, allowed: bool) -> None:
    assert principal.allows(verb, namespace) is allowed  # type: ignore[arg-type]


def test_rule_namespace_comes_from_the_request_and_empty_means_cluster() -> None:
    assert READ.namespace(SimpleNamespace(namespace="shop")) == "shop"
    assert READ.namespace(SimpleNamespace(namespace="")) == CLUSTER
    assert Rule("read", "owner").namespace(SimpleNamespace(owner="web")) == "web"
    assert CLUSTER_READ.namespace(SimpleNamespace(namespace="shop")) == CLUSTER


def test_denial_names_caller_verb_and_namespace() -> None:
    with pytest.raises(PermissionDenied) as caught:
        authorize(SHOP_WRITE, WRITE, SimpleNamespace(namespace="web"), "/sigma.v1.Apps/Scale")
    assert (
        caught.value.message == "'shop-ci' may not write in namespace 'web' (/sigma.v1.Apps/Scale)"
    )
    with pytest.raises(PermissionDenied, match="may not control cluster-wide"):
        authorize(SHOP_WRITE, CONTROL, SimpleNamespace(), "/sigma.v1.Slave/Drain")


GUARD = Guard(
    Authenticator(
        [Credential(digest("s3cret-shop"), SHOP_WRITE), Credential(digest("s3cret-root"), ROOT)]
    )
)
REQ = SimpleNamespace(namespace="shop")


def test_guard_authenticates_then_authorizes() -> None:
    admitted = GUARD.admit(READ, "/m", REQ, "s3cret-shop", frozenset({"admin"}))
    assert admitted.name == "shop-ci" and admitted.peers == {"admin"}
    with pytest.raises(Unauthenticated, match="no credentials"):
        GUARD.admit(READ, "/m", REQ, None)
    with pytest.raises(Unauthenticated, match="unknown token") as caught:
        GUARD.admit(READ, "/m", REQ, "s3cret-shoq")
    assert "s3cret" not in caught.value.message
    with pytest.raises(PermissionDenied):
        GUARD.admit(READ, "/m", SimpleNamespace(namespace="web"), "s3cret-shop")


def test_a_method_without_a_rule_is_refused_when_tokens_are_on() -> None:
    with pytest.raises(PermissionDenied, match="declares no access rule"):
        GUARD.admit(None, "/sigma.v1.New/Method", REQ, "s3cret-root")
    assert Guard().admit(None, "/sigma.v1.New/Method", REQ, None).name == "anonymous"


def test_open_guard_allows_everything_but_keeps_the_control_certificate_check() -> None:
    open_guard = Guard(control_peers=frozenset({"apiserver"}))
    assert open_guard.admit(WRITE, "/m", REQ, None).allows("write", "web")
    assert open_guard.admit(CONTROL, "/d", REQ, None, frozenset({"apiserver"}))
    with pytest.raises(PermissionDenied, match="control plane; the client certificate has slave"):
        open_guard.admit(CONTROL, "/d", REQ, None, frozenset({"slave"}))


def test_control_with_mtls_needs_both_the_grant_and_a_control_plane_certificate() -> None:
    guard = Guard(GUARD.authenticator, frozenset({"apiserver", "admin"}))
    assert guard.admit(CONTROL, "/d", REQ, "s3cret-root", frozenset({"admin"})).name == "system"
    with pytest.raises(PermissionDenied, match="no name"):
        guard.admit(CONTROL, "/d", REQ, "s3cret-root", frozenset())
    with pytest.raises(PermissionDenied, match="may not control"):
        guard.admit(CONTROL, "/d", REQ, "s3cret-shop", frozenset({"admin"}))
