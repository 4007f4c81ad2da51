"""A containerd and an image registry on this machine for ``sigma up --runtime containerd``.

The same engines the tests use (``sigma.testing``): a plain-HTTP registry on a loopback port
(``--registry``, 127.0.0.1:5000 by default, the port the demo's manifests name; one already
answering there is used as it is) holding the demo images, and a containerd of the project's
own, its root, state and socket in a temporary folder, pulling from that registry. Both stop
with ``sigma up`` and leave nothing behind. Needs root, and ``make engines``.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sigma.cri import images
from sigma.errors import FailedPrecondition


@dataclass(frozen=True, slots=True)
class Local:
    socket: Path  # containerd's CRI socket
    registry: str  # host:port
    images: dict[str, str]  # demo image name -> reference


@contextlib.contextmanager
def engines(registry: str) -> Iterator[Local]:
    """Start (or use) the registry at ``registry``, push the demo images, start containerd."""
    from sigma.engines.containerd import ContainerdEngine, ContainerdUnavailable
    from sigma.engines.registry import RegistryEngine, RegistryNotInstalled

    with contextlib.ExitStack() as stack:
        try:
            if not _answers(registry):
                stack.enter_context(RegistryEngine(address=registry))
            out = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="sigma-images-")))
            refs = images.push(images.build(out), registry)
            engine = ContainerdEngine(sandbox_image=refs["pause"], registries=[registry])
            stack.enter_context(engine)
        except (ContainerdUnavailable, RegistryNotInstalled, images.ImagesUnavailable) as exc:
            raise FailedPrecondition(f"cannot run containers here: {exc}") from exc
        except RuntimeError as exc:  # an engine that did not start: the first line says why
            raise FailedPrecondition(str(exc).splitlines()[0]) from exc
        yield Local(engine.socket, registry, refs)


def _answers(registry: str) -> bool:
    try:
        images.registry_digest(registry, "pause", timeout=1.0)
    except images.ImagesUnavailable:
        return False
    return True
