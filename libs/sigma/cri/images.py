"""The demo images, built from Debian's busybox-static, and their way to a loopback registry.

Three images, each one layer holding the static busybox and its applets as symlinks:

- ``pause``: the pod sandbox's image; it waits forever (the sandbox ends when it exits) and
  leaves at once on SIGTERM;
- ``httpd``: the online server, ``busybox httpd`` in the foreground serving ``/www`` and logging
  each request to stderr (so to the container's log); pass ``-p [IP:]PORT`` as the arguments;
- ``burner``: the batch job, ``burn [WORKERS [SECONDS]]`` keeps WORKERS CPUs busy.

``build`` writes each as an OCI archive (``sigma.cri.oci``: the same bytes from the same
package); ``push`` copies an archive to the registry with skopeo unless the registry already
holds that manifest under the tag, so a second run costs a few HEAD requests. Every reference
is fully qualified (``127.0.0.1:<port>/sigma/<name>:<tag>``): containerd reads a bare name as
docker.io, which a machine without the internet cannot reach.

    python -m sigma.cri.images --registry 127.0.0.1:5000 [--out DIR]
"""

from __future__ import annotations

import argparse
import shutil
import struct
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sigma.cri import oci

BUSYBOX = Path("/bin/busybox")
TAG = "1"  # the demo images' version: bump it when a definition below changes
REPOSITORY = "sigma"
DEFAULT_OUT = Path(__file__).resolve().parents[3] / ".engines" / "images"

PAUSE = "trap 'exit 0' TERM INT; while :; do sleep 86400 & wait $!; done"
BURN = b"""# burn [WORKERS [SECONDS]]: keep WORKERS CPUs busy for SECONDS (0: until stopped).
workers=${1:-1}
seconds=${2:-0}
pids=""
stop() { kill $pids 2>/dev/null; wait; exit 0; }
trap stop TERM INT
i=0
while [ "$i" -lt "$workers" ]; do
  yes >/dev/null &
  pids="$pids $!"
  i=$((i + 1))
done
echo "burning $workers CPU(s) for ${seconds}s (0: until stopped)"
if [ "$seconds" -gt 0 ]; then sleep "$seconds" & wait $!; stop; fi
wait
"""
PAGE = b"<html><body><h1>sigma</h1><p>served by busybox httpd in a container</p></body></html>\n"


class ImagesUnavailable(RuntimeError):
    """The build's inputs (a static busybox, skopeo) or the registry are not there."""


@dataclass(frozen=True, slots=True)
class Built:
    name: str
    archive: Path
    digest: str  # the manifest's, which the registry answers for the tag once pushed


def busybox_layer(binary: bytes, applets: Sequence[str]) -> tuple[oci.Entry, ...]:
    """busybox in /bin with every applet linked to it, a root user, and a /tmp."""
    folders = [oci.Entry(p, folder=True, mode=0o755) for p in ("bin", "etc", "www")]
    files = [
        oci.Entry("bin/busybox", binary, mode=0o755),
        oci.Entry("etc/passwd", b"root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n"),
        oci.Entry("etc/group", b"root:x:0:\nnogroup:x:65534:\n"),
        oci.Entry("tmp", folder=True, mode=0o1777),
    ]
    links = [oci.Entry(f"bin/{a}", link="busybox") for a in sorted(set(applets)) if a != "busybox"]
    return (*folders, *files, *links)


def demo_images(base: tuple[oci.Entry, ...]) -> dict[str, oci.Image]:
    """The three demo images on the layer ``base`` (see the module docstring)."""
    return {
        "pause": oci.Image(base, entrypoint=("/bin/sh", "-c", PAUSE)),
        "httpd": oci.Image(
            (*base, oci.Entry("www/index.html", PAGE)),
            entrypoint=("/bin/httpd", "-f", "-v", "-h", "/www"),
            cmd=("-p", "8080"),
        ),
        "burner": oci.Image(
            (*base, oci.Entry("bin/burn", BURN, mode=0o755)),
            entrypoint=("/bin/sh", "/bin/burn"),
            cmd=("1",),
        ),
    }


def read_busybox(path: Path = BUSYBOX) -> tuple[bytes, list[str]]:
    """The static busybox binary and its applet names (``busybox --list``)."""
    try:
        binary = path.read_bytes()
    except OSError as exc:
        raise ImagesUnavailable(f"{path}: {exc.strerror}; run `make engines`") from exc
    if not is_static(binary):
        raise ImagesUnavailable(f"{path} is dynamically linked; install busybox-static")
    listed = subprocess.run([str(path), "--list"], capture_output=True, text=True, check=True)
    return binary, listed.stdout.split()


def is_static(elf: bytes) -> bool:
    """Whether a 64-bit little-endian ELF executable has no interpreter (PT_INTERP) segment."""
    if elf[:6] != b"\x7fELF\x02\x01":
        return False
    (phoff,) = struct.unpack_from("<Q", elf, 0x20)
    size, count = struct.unpack_from("<HH", elf, 0x36)
    return all(struct.unpack_from("<I", elf, phoff + i * size)[0] != 3 for i in range(count))


def build(out: Path = DEFAULT_OUT, busybox: Path = BUSYBOX) -> dict[str, Built]:
    """Write every demo image as ``<out>/<name>.tar``; an unchanged archive is not rewritten."""
    binary, applets = read_busybox(busybox)
    out.mkdir(parents=True, exist_ok=True)
    built = {}
    for name, image in demo_images(busybox_layer(binary, applets)).items():
        data, digest = oci.archive(image, [TAG])
        path = out / f"{name}.tar"
        if not (path.is_file() and path.read_bytes() == data):
            path.write_bytes(data)
        built[name] = Built(name, path, digest)
    return built


def reference(registry: str, name: str, tag: str = TAG) -> str:
    return f"{registry}/{REPOSITORY}/{name}:{tag}"


def registry_digest(registry: str, name: str, tag: str = TAG, timeout: float = 5.0) -> str | None:
    """The manifest digest the registry (plain HTTP) holds under the tag, or None."""
    request = urllib.request.Request(
        f"http://{registry}/v2/{REPOSITORY}/{name}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": oci.MANIFEST},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.headers.get("Docker-Content-Digest")
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise ImagesUnavailable(f"registry {registry} answered {exc.code} {exc.reason}") from exc
    except OSError as exc:
        reason = getattr(exc, "reason", exc)
        raise ImagesUnavailable(f"registry {registry} does not answer: {reason}") from exc


def push(built: Mapping[str, Built], registry: str) -> dict[str, str]:
    """Copy each archive to ``registry`` unless it already holds it; the references by name."""
    refs = {}
    for name, image in built.items():
        ref = reference(registry, name)
        if registry_digest(registry, name) != image.digest:
            _copy(image.archive, ref)
        refs[name] = ref
    return refs


def _copy(archive: Path, ref: str) -> None:
    """skopeo copy of an OCI archive to a plain-HTTP registry, with the archive's own digest."""
    skopeo = shutil.which("skopeo")
    if skopeo is None:
        raise ImagesUnavailable("skopeo is not installed; run `make engines`")
    # The archive is ours: no policy.json needed. --preserve-digests refuses any rewrite of
    # the manifest, so the digest pushed is the digest built.
    copy = [skopeo, "--insecure-policy", "copy", "--quiet", "--preserve-digests"]
    source = f"oci-archive:{archive}:{TAG}"
    try:
        subprocess.run(
            [*copy, "--dest-tls-verify=false", source, f"docker://{ref}"],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except subprocess.CalledProcessError as exc:
        said = (exc.stderr or "").strip().splitlines()[-1:] or ["no message"]
        raise ImagesUnavailable(f"skopeo could not push {ref}: {said[0]}") from exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the demo images and push them.")
    parser.add_argument("--registry", help="host:port of a plain-HTTP registry (no push if unset)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the archives go")
    options = parser.parse_args(argv)
    try:
        built = build(options.out)
        refs = push(built, options.registry) if options.registry else {}
    except (ImagesUnavailable, OSError) as exc:
        print(f"images: {exc}", file=sys.stderr)
        return 2
    for name, image in built.items():
        print(f"{name}\t{image.digest}\t{refs.get(name, image.archive)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
