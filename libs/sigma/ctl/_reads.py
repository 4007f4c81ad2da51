"""What the commands share when they read: the team, label selectors, paged lists, watches.

``namespace`` is the one place that decides which namespace a command reads: ``-A`` is every
namespace (an empty one on the wire, which needs the "*" grant), else ``-n``, else the config.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from typing import Any

from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._kinds import KindInfo
from sigma.errors import Invalid

PAGE = 500


def namespace_of(cfg: CtlConfig, args: argparse.Namespace) -> str:
    """The team the request is made as (reads of cluster-scoped nodes included); "" with -A."""
    if getattr(args, "all_namespaces", False):
        return ""
    return str(args.namespace or cfg.namespace)


async def list_all(
    client: Client, kind: KindInfo, ns: str, selector: dict[str, str], **extra: Any
) -> tuple[list[Any], int]:
    """Every page of a List, and the revision the first page was read at."""
    items: list[Any] = []
    token, revision = "", 0
    while True:
        request = kind.request(
            "List", ns, selector=selector, page_size=PAGE, page_token=token, **extra
        )
        page = await client.api(kind.service, "List", request)
        items.extend(page.items)
        revision = revision or page.resource_version
        token = page.next_page_token
        if not token:
            return items, revision


def selector(pairs: list[str]) -> dict[str, str]:
    """``-l a=b,c=d -l e=f`` as one mapping; ``Invalid`` names a pair that is not key=value."""
    out = {}
    for pair in pairs:
        for item in filter(None, pair.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise Invalid("--selector", f"{item!r} is not key=value")
            out[key] = value
    return out


async def until_interrupted(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The events until Ctrl-C (or SIGTERM), which ends a watch normally."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    iterator = aiter(events)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            nxt = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({nxt, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if nxt not in done:
                nxt.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await nxt  # the generator must be idle before it can be closed
                return
            try:
                yield nxt.result()
            except StopAsyncIteration:
                return
    finally:
        stopping.cancel()
        await iterator.aclose()  # type: ignore[attr-defined]
