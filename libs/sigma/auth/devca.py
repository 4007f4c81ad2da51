"""``sigma dev-ca``: a throwaway CA and one certificate per tier, for trying mTLS locally.

Made with the ``openssl`` binary (present wherever Debian's base image is) so Sigma needs no
crypto library of its own. Each certificate's CN is its name (what the slave checks before
accepting a control call) and its SANs are that name plus the given hosts, so one certificate
serves both as a tier's server certificate and as its client certificate. Not for production:
the CA key sits next to the certificates, unencrypted.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from ipaddress import ip_address
from pathlib import Path

from sigma.errors import FailedPrecondition, Invalid

NAMES = ("apiserver", "scheduler", "colocator", "slave", "admin")
HOSTS = ("localhost", "127.0.0.1")
DAYS = 365
_EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _openssl(*args: str, cwd: Path) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        raise FailedPrecondition("dev-ca needs the openssl binary on PATH")
    done = subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise FailedPrecondition(f"openssl {args[0]} failed: {done.stderr.strip()[-300:]}")


def _san(name: str, hosts: Sequence[str]) -> str:
    entries = []
    for host in dict.fromkeys([name, *hosts]):
        try:
            entries.append(f"IP:{ip_address(host)}")
        except ValueError:
            entries.append(f"DNS:{host}")
    return "subjectAltName=" + ",".join(entries)


def make(out: Path, names: Sequence[str] = NAMES, hosts: Sequence[str] = HOSTS) -> list[Path]:
    """Write ``ca.crt``/``ca.key`` and ``<name>.crt``/``<name>.key`` into ``out``; the paths.

    An existing CA in ``out`` is reused, so adding a name later keeps earlier certificates valid.
    """
    for name in names:
        if not name or "/" in name or name.startswith("."):
            raise Invalid("names", f"{name!r} is not a plain certificate name")
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "ca.crt").is_file():
        _openssl(
            "req", "-x509", *_EC, "-keyout", "ca.key", "-out", "ca.crt", "-days", str(DAYS),
            "-subj", "/CN=sigma-dev-ca",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            cwd=out,
        )  # fmt: skip
    written = [out / "ca.crt"]
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for name in names:
            ext = work / f"{name}.ext"
            ext.write_text(
                f"{_san(name, hosts)}\nbasicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth,clientAuth\n"
            )
            csr = work / f"{name}.csr"
            _openssl(
                "req", *_EC, "-keyout", f"{name}.key", "-out", str(csr), "-subj", f"/CN={name}",
                cwd=out,
            )  # fmt: skip
            _openssl(
                "x509", "-req", "-in", str(csr), "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", f"{name}.crt", "-days", str(DAYS),
                "-extfile", str(ext),
                cwd=out,
            )  # fmt: skip
            (out / f"{name}.key").chmod(0o600)
            written += [out / f"{name}.crt", out / f"{name}.key"]
    (out / "ca.key").chmod(0o600)
    return written
