"""Every gRPC call the code makes carries a deadline.

A call without one waits for as long as the peer keeps the connection: a hung process (a
SIGSTOPped etcd member, a tier stuck in a loop) then holds the caller, and whatever awaits it,
forever, with nothing in the logs. This check reads the source: a stub method (an attribute of
a ``*Stub(...)``, of a name assigned one, or of a parameter annotated as one) is

- called with ``timeout=``;
- or handed to a wrapper that sets the deadline itself (``DEADLINE_WRAPPERS``);
- or assigned to a name that is only ever called with ``timeout=``.

Anything else is reported, apart from ``ALLOWED``: each a stream that lasts as long as its
reader wants, where the channel's keepalive pings notice a dead peer instead.
"""

from __future__ import annotations

import ast
import re

from test_layering import ROOT
from test_sizes import hand_written

# Callables that give the stub method they are handed a deadline of their own.
DEADLINE_WRAPPERS = frozenset(
    {
        "rpc.unary",  # the whole call, retries included, within its timeout (10 s default)
        "self._call",  # sigma.apiclient.GrpcApi: rpc.unary with the client's timeout
    }
)
# (file, method): a watch stream on the etcd channel, cancelled with the channel; keepalive
# pings every 10 s with a 5 s answer deadline notice a hung or partitioned etcd.
# A job master's stream with a worker lasts as long as the worker; the same keepalive pings
# (``sigma.rpc.channel``) notice a dead node, and the worker's pod record says it is gone.
ALLOWED = frozenset(
    {
        ("libs/sigma/store/_etcd_channel.py", "Watch"),
        ("services/scheduler/batch/links.py", "Attach"),
    }
)

_METHOD = re.compile(r"^[A-Z][A-Za-z0-9]*$")  # gRPC methods are CamelCase, Python's are not


def _is_stub(node: ast.AST | None) -> bool:
    """``…Stub(...)`` or an annotation naming a ``…Stub`` class."""
    if isinstance(node, ast.Call):
        node = node.func
    return node is not None and ast.unparse(node).split(".")[-1].endswith("Stub")


def _stub_names(tree: ast.AST) -> set[str]:
    """Names (``stub``, ``self._runtime``) assigned a stub, and parameters annotated as one."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _is_stub(node.value):
            names |= {ast.unparse(t) for t in node.targets}
        elif isinstance(node, ast.AnnAssign) and _is_stub(node.value):
            names.add(ast.unparse(node.target))
        elif isinstance(node, ast.arg) and _is_stub(node.annotation):
            names.add(node.arg)
    return names


def _has_timeout(call: ast.Call) -> bool:
    return any(k.arg == "timeout" for k in call.keywords)


def undeadlined(source: str) -> list[tuple[int, str]]:
    """(line, method) of every stub method used without a deadline in ``source``."""
    tree = ast.parse(source)
    stubs = _stub_names(tree)
    parent = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _METHOD.match(node.attr)):
            continue
        if not (_is_stub(node.value) or ast.unparse(node.value) in stubs):
            continue
        up = parent[node]
        if isinstance(up, ast.Call) and up.func is node:
            ok = _has_timeout(up)
        elif isinstance(up, ast.Call):
            ok = ast.unparse(up.func) in DEADLINE_WRAPPERS and up.args[:1] == [node]
        elif isinstance(up, ast.Assign) and len(up.targets) == 1:
            name = ast.unparse(up.targets[0])
            uses = [c for c in calls if ast.unparse(c.func) == name]
            ok = bool(uses) and all(_has_timeout(c) for c in uses)
        else:
            ok = False
        if not ok:
            found.append((node.lineno, node.attr))
    return sorted(found)


def test_every_grpc_call_has_a_deadline() -> None:
    found = []
    for path in hand_written():
        rel = path.relative_to(ROOT).as_posix()
        found += [
            f"{rel}:{line} {method}"
            for line, method in undeadlined(path.read_text())
            if (rel, method) not in ALLOWED
        ]
    assert found == []


def test_the_check_sees_each_way_a_deadline_is_missed_or_kept() -> None:
    source = """
async def f(channel, pods: PodsStub):
    stub = health_pb2_grpc.HealthStub(channel)
    await stub.Check(req)
    await stub.Check(req, timeout=1.0)
    await PodsStub(channel).Get(req)
    await pods.List(req)
    await pods.List(req, timeout=t)
    await rpc.unary(pods.Get, req)
    await helper(pods.Get, req)
    method = pods.Watch
    async for e in rpc.stream(lambda r, **kw: method(r, **kw), req, timeout=None):
        pass
    send = pods.Delete
    await send(req, timeout=2.0)
    await self.store.Get(req)
"""
    assert undeadlined(source) == [
        (4, "Check"),
        (6, "Get"),
        (7, "List"),
        (10, "Get"),
        (11, "Watch"),
    ]
