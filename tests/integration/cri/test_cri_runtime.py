"""The runtime and its images: version, readiness, pulls from the loopback registry, and the
errors a caller gets when something is missing or the runtime is not there."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from sigma.cri import images
from sigma.cri.client import CriClient
from sigma.engines._process import free_port
from sigma.engines.registry import RegistryEngine
from sigma.errors import NotFound, Unavailable

pytestmark = pytest.mark.containerd


async def test_version_and_readiness(cri: CriClient) -> None:
    version = await cri.version()
    assert (version.runtime_name, version.runtime_api_version) == ("containerd", "v1")
    conditions = {c.type: c.status for c in (await cri.status()).conditions}
    # Host-network pods need no CNI, so only the runtime has to be ready.
    assert conditions["RuntimeReady"] is True


async def test_pull_from_the_loopback_registry(cri: CriClient, cri_images: dict[str, str]) -> None:
    ref = cri_images["burner"]
    image_id = await cri.images.pull(ref)
    assert image_id.startswith("sha256:")
    image = await cri.images.status(ref)
    assert image is not None and image.id == image_id and ref in image.repo_tags


async def test_missing_image_and_container_are_not_found(
    cri: CriClient, registry_engine: RegistryEngine
) -> None:
    missing = f"{registry_engine.address}/sigma/no-such-image:1"
    assert await cri.images.status(missing) is None
    with pytest.raises(NotFound, match="not found"):
        await cri.images.pull(missing)
    with pytest.raises(NotFound):
        await cri.containers.status("0" * 64)


async def test_an_absent_runtime_is_unavailable_within_the_deadline(tmp_path: Path) -> None:
    socket = tmp_path / "containerd.sock"
    began = time.monotonic()
    async with CriClient(socket, timeout=0.5) as cri:
        with pytest.raises(Unavailable, match=f"{socket} is not reachable") as caught:
            await cri.version()
    assert time.monotonic() - began < 2.0
    assert "\n" not in str(caught.value)


def test_a_second_push_copies_nothing(
    cri_images: dict[str, str],
    registry_engine: RegistryEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built = images.build(tmp_path)
    monkeypatch.setenv("PATH", "/nonexistent")  # no skopeo: any copy would fail
    assert images.push(built, registry_engine.address) == cri_images


def test_push_to_an_absent_registry_says_so(cri_images: dict[str, str], tmp_path: Path) -> None:
    built = images.build(tmp_path)
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(images.ImagesUnavailable, match=f"registry {address} does not answer"):
        images.push(built, address)
