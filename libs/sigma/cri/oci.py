"""OCI image archives written byte for byte the same from the same inputs.

An image here is one layer (a list of ``Entry``: files, folders, symlinks) and a run config
(entrypoint, command, environment). ``archive`` turns it into an OCI image layout packed in a
tar (what ``skopeo copy oci-archive:…`` and ``ctr images import`` read), and its manifest digest.

Reproducible by construction, so that the same Debian packages give the same digests on every
machine and a registry that already holds an image is not pushed to again: entries are sorted,
owned by root, dated at the epoch, in the ustar format (no PAX headers carrying times); JSON is
written with sorted keys and no spaces; the layer is gzipped with its header time zeroed (the
compressed bytes then depend only on zlib, the same on every Debian machine). A compressed layer
also keeps registries and copy tools from compressing it again, which would change the digests.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
REF_NAME = "org.opencontainers.image.ref.name"


@dataclass(frozen=True, slots=True)
class Entry:
    """One path in the layer: a file (``data``), a folder (``folder=True``) or a symlink."""

    path: str  # inside the image, without a leading slash
    data: bytes = b""
    mode: int = 0o644
    folder: bool = False
    link: str = ""  # symlink target when set

    def __post_init__(self) -> None:
        if not self.path or self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(f"image path {self.path!r} must be relative and stay inside")


@dataclass(frozen=True, slots=True)
class Image:
    """What an image holds and how it runs (the OCI config's ``config`` object)."""

    entries: tuple[Entry, ...]
    entrypoint: tuple[str, ...]
    cmd: tuple[str, ...] = ()
    env: tuple[str, ...] = ("PATH=/bin",)
    labels: Mapping[str, str] = field(default_factory=dict)
    architecture: str = "amd64"


@dataclass(frozen=True, slots=True)
class Blob:
    media_type: str
    data: bytes

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.data).hexdigest()

    def descriptor(self, ref: str = "") -> dict[str, object]:
        """How a manifest or index points at this blob (``ref``: the tag, in an index)."""
        out: dict[str, object] = {
            "mediaType": self.media_type,
            "digest": self.digest,
            "size": len(self.data),
        }
        if ref:
            out["annotations"] = {REF_NAME: ref}
        return out


def canonical_json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def tar_bytes(entries: Iterable[Entry]) -> bytes:
    """A tar of ``entries``, sorted by path, every header fixed (root, epoch, ustar)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for entry in sorted(entries, key=lambda e: e.path):
            info = tarfile.TarInfo(entry.path)
            info.mode = entry.mode
            info.mtime = 0
            if entry.folder:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            elif entry.link:
                info.type = tarfile.SYMTYPE
                info.linkname = entry.link
                info.mode = 0o777
                tar.addfile(info)
            else:
                info.size = len(entry.data)
                tar.addfile(info, io.BytesIO(entry.data))
    return buffer.getvalue()


def blobs(image: Image) -> tuple[Blob, Blob, Blob]:
    """The layer, config and manifest blobs of ``image`` (the manifest's digest names it)."""
    plain = tar_bytes(image.entries)
    layer = Blob(LAYER, gzip.compress(plain, compresslevel=6, mtime=0))
    config = Blob(
        CONFIG,
        canonical_json(
            {
                "architecture": image.architecture,
                "os": "linux",
                "config": {
                    "Entrypoint": list(image.entrypoint),
                    "Cmd": list(image.cmd),
                    "Env": list(image.env),
                    "Labels": dict(image.labels),
                    "WorkingDir": "/",
                },
                "rootfs": {
                    "type": "layers",
                    "diff_ids": ["sha256:" + hashlib.sha256(plain).hexdigest()],
                },
            }
        ),
    )
    manifest = Blob(
        MANIFEST,
        canonical_json(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST,
                "config": config.descriptor(),
                "layers": [layer.descriptor()],
            }
        ),
    )
    return layer, config, manifest


def archive(image: Image, tags: Sequence[str]) -> tuple[bytes, str]:
    """The OCI layout of ``image`` as a tar, one index entry per tag; and the manifest digest."""
    layer, config, manifest = blobs(image)
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [manifest.descriptor(ref=tag) for tag in tags],
    }
    entries = [
        Entry("oci-layout", canonical_json({"imageLayoutVersion": "1.0.0"})),
        Entry("index.json", canonical_json(index)),
        Entry("blobs", folder=True, mode=0o755),
        Entry("blobs/sha256", folder=True, mode=0o755),
    ]
    entries += [Entry(f"blobs/sha256/{b.digest[7:]}", b.data) for b in (layer, config, manifest)]
    return tar_bytes(entries), manifest.digest
