"""Informer: a local, always-converging cache of every object under a store prefix.

List once, then watch from the list's revision + 1; apply each event to the cache and tell the
handlers. When the watch breaks the informer resumes from the last revision it saw (no gap, no
duplicate). When that revision has been compacted it relists and tells the handlers the
*difference* between its cache and the fresh listing, so handlers stay level-triggered: after a
relist they have seen exactly the adds, updates and deletes needed to match the store.
What it holds, and the indexes over it, are its ``indexer.Indexer`` (the reading side).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from google.protobuf.message import Message

from sigma.errors import Compacted, SigmaError
from sigma.log import get_logger
from sigma.retry import RetryPolicy
from sigma.store._types import EventType, KeyValue, Store
from sigma.store.codec import decode
from sigma.store.indexer import Indexer

M = TypeVar("M", bound=Message)
log = get_logger("sigma.informer")

Result = Awaitable[None] | None


@dataclass(slots=True)
class Handler(Generic[M]):
    """Callbacks for one consumer of the cache; each may be sync or async."""

    on_add: Callable[[str, M], Result] | None = None
    on_update: Callable[[str, M, M], Result] | None = None
    on_delete: Callable[[str, M], Result] | None = None


class Informer(Indexer[M]):
    """Keeps ``cache`` equal to the store under ``prefix``, typed as ``message_type``."""

    def __init__(
        self,
        store: Store,
        prefix: str,
        message_type: type[M],
        *,
        page_size: int = 1000,
        backoff: RetryPolicy | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.prefix = prefix
        self.message_type = message_type
        self.page_size = page_size
        # An outage is waited out however long it lasts: a tier whose view gave up would
        # exit, and a slave cut off from the masters must live on to fence its pods.
        self.backoff = backoff or RetryPolicy(initial=0.05, maximum=2.0, attempts=0)
        self.revision = 0  # the last store revision reflected in the cache
        self.relists = 0
        self._handlers: list[Handler[M]] = []
        self._synced = asyncio.Event()

    async def add_handler(self, handler: Handler[M]) -> None:
        """Register ``handler``; objects already cached are replayed to it as adds."""
        self._handlers.append(handler)
        if handler.on_add is not None:
            for key, obj in list(self.items()):
                await _call(handler.on_add, key, obj)

    async def wait_synced(self) -> None:
        """Return once the first listing is in the cache."""
        await self._synced.wait()

    async def load(self) -> None:
        """Fill the cache from one listing, without watching (a one-off read of the store)."""
        await self._relist()

    # -- the loop -----------------------------------------------------------------------------
    async def run(self) -> None:
        """List, then watch until cancelled; relist after compaction; wait out store outages.

        Run again after a cancel and the informer resumes from the last revision it saw,
        relisting only if that revision has been compacted meanwhile.
        """
        need_list = not self._synced.is_set()
        while True:
            try:
                if need_list:
                    await self._relist()
                    need_list = False
                await self._watch()
            except Compacted as exc:
                self.relists += 1
                need_list = True
                log.info("relisting", extra={"prefix": self.prefix, "reason": str(exc)})
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                await self._wait_for_store(exc)

    async def _wait_for_store(self, exc: SigmaError) -> None:
        log.warning("store unavailable", extra={"prefix": self.prefix, "error": str(exc)})
        await self.backoff.call(self.store.revision)

    async def _relist(self) -> None:
        fresh: dict[str, KeyValue] = {}
        revision, after = 0, ""
        while True:
            page = await self.store.list(
                self.prefix, revision=revision, limit=self.page_size, start_after=after
            )
            revision = page.revision
            for kv in page.items:
                fresh[kv.key] = kv
            if not page.more or not page.items:
                break
            after = page.items[-1].key
        for key in [k for k, _ in self.items() if k not in fresh]:
            await self._apply_delete(key)
        for kv in fresh.values():
            await self._apply_put(kv)
        self.revision = revision
        self._synced.set()

    async def _watch(self) -> None:
        while True:
            try:
                async for event in self.store.watch(self.prefix, start_revision=self.revision + 1):
                    if event.type is EventType.PUT:
                        await self._apply_put(event.kv)
                    else:
                        await self._apply_delete(event.kv.key)
                    self.revision = max(self.revision, event.revision)
            except SigmaError as exc:
                if isinstance(exc, Compacted) or not exc.retriable:
                    raise
                await self._wait_for_store(exc)  # then resume from self.revision + 1

    async def _apply_put(self, kv: KeyValue) -> None:
        held = self.mod_revision(kv.key)
        if held is not None and held >= kv.mod_revision:
            return  # already reflected (a resumed watch or a relist that saw it)
        obj = decode(self.message_type, kv)
        old = self._put(kv.key, obj, kv.mod_revision)
        for h in self._handlers:
            if old is None and h.on_add is not None:
                await _call(h.on_add, kv.key, obj)
            elif old is not None and h.on_update is not None:
                await _call(h.on_update, kv.key, old, obj)

    async def _apply_delete(self, key: str) -> None:
        old = self._pop(key)
        if old is None:
            return
        for h in self._handlers:
            if h.on_delete is not None:
                await _call(h.on_delete, key, old)


async def _call(fn: Callable[..., Any], *args: Any) -> None:
    """Run one handler; a failing handler is logged and must not stop the informer."""
    try:
        result = fn(*args)
        if inspect.isawaitable(result):
            await result
    except Exception:
        log.exception("informer handler failed", extra={"handler": getattr(fn, "__name__", "")})
