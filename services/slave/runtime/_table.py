"""The pods one runtime adapter holds, by key: shared by its life cycle and its resource controls.

Both ports of an adapter act on the same pods (the life cycle makes and drops them, the controls
squeeze and measure them), so each adapter keeps one table that both hold, and both say the same
thing of a pod that is not in it.
"""

from __future__ import annotations

from typing import TypeVar

from sigma.errors import NotFound

T = TypeVar("T")


class PodTable(dict[str, T]):
    """``key -> what the adapter holds of the pod``; ``where`` ends the NotFound message."""

    def __init__(self, where: str = "running here") -> None:
        super().__init__()
        self.where = where

    def known(self, key: str) -> T:
        pod = self.get(key)
        if pod is None:
            raise NotFound(f"pod {key} is not {self.where}")
        return pod
