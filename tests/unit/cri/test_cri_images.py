"""The demo images are the same bytes every time, and well-formed OCI layouts."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import struct
import tarfile
from pathlib import Path

import pytest

from sigma.cri import images, oci


def _members(data: bytes) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        return {m.name: m for m in tar.getmembers()}


def _read(data: bytes, name: str) -> bytes:
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read()


IMAGE = oci.Image(
    (oci.Entry("bin", folder=True, mode=0o755), oci.Entry("bin/x", b"#!/bin/sh\n", mode=0o755)),
    entrypoint=("/bin/x",),
)


def test_archive_is_reproducible_and_a_valid_layout() -> None:
    data, digest = oci.archive(IMAGE, ["1"])
    assert oci.archive(IMAGE, ["1"]) == (data, digest)
    index = json.loads(_read(data, "index.json"))
    (entry,) = index["manifests"]
    assert (entry["digest"], entry["annotations"][oci.REF_NAME]) == (digest, "1")
    manifest_bytes = _read(data, f"blobs/sha256/{digest[7:]}")
    assert "sha256:" + hashlib.sha256(manifest_bytes).hexdigest() == digest
    manifest = json.loads(manifest_bytes)
    config = json.loads(_read(data, f"blobs/sha256/{manifest['config']['digest'][7:]}"))
    layer = _read(data, f"blobs/sha256/{manifest['layers'][0]['digest'][7:]}")
    plain = gzip.decompress(layer)
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(plain).hexdigest()]
    assert config["config"]["Entrypoint"] == ["/bin/x"]
    members = _members(plain)
    assert {m.uid for m in members.values()} == {0} and {m.mtime for m in members.values()} == {0}


def test_entries_stay_inside_the_image() -> None:
    for path in ("/etc/passwd", "../x", "a/../../b", ""):
        with pytest.raises(ValueError, match="relative"):
            oci.Entry(path)


def test_busybox_layer_links_every_applet() -> None:
    layer = images.busybox_layer(b"ELF", ["sh", "httpd", "busybox", "sh"])
    by_path = {e.path: e for e in layer}
    assert by_path["bin/sh"].link == "busybox" and by_path["bin/httpd"].link == "busybox"
    assert by_path["bin/busybox"].data == b"ELF" and by_path["tmp"].mode == 0o1777
    demo = images.demo_images(layer)
    assert set(demo) == {"pause", "httpd", "burner"}
    assert demo["httpd"].entrypoint[0] == "/bin/httpd"


def _elf(interp: bool) -> bytes:
    """A 64-bit ELF header with two program headers, the second PT_INTERP when asked."""
    header = bytearray(64)
    header[:6] = b"\x7fELF\x02\x01"
    struct.pack_into("<Q", header, 0x20, 64)
    struct.pack_into("<HH", header, 0x36, 56, 2)
    phdrs = struct.pack("<I", 1) + bytes(52) + struct.pack("<I", 3 if interp else 1) + bytes(52)
    return bytes(header) + phdrs


def test_static_is_told_from_dynamic() -> None:
    assert images.is_static(_elf(interp=False))
    assert not images.is_static(_elf(interp=True))
    assert not images.is_static(b"#!/bin/sh\n")


@pytest.mark.skipif(
    not images.BUSYBOX.exists() or not images.is_static(images.BUSYBOX.read_bytes()),
    reason="busybox-static is not installed",
)
def test_a_second_build_rewrites_nothing(tmp_path: Path) -> None:
    first = images.build(tmp_path)
    stamps = {name: b.archive.stat().st_mtime_ns for name, b in first.items()}
    second = images.build(tmp_path)
    assert second == first
    assert {name: b.archive.stat().st_mtime_ns for name, b in second.items()} == stamps
