"""Where sigmactl connects and as whom: flags > environment > context > config file > defaults.

The file is TOML, ``$SIGMACTL_CONFIG`` or ``~/.config/sigma/config.toml`` (``--config``
overrides both), with a ``[sigmactl]`` table, so the same file may hold the tiers' tables::

    [sigmactl]
    apiserver = "10.0.0.5:7070,10.0.0.6:7070"   # several replicas: round robin
    scheduler = "10.0.0.5:7071"
    colocator = "10.0.0.5:7072"
    namespace = "shop"                            # the team; -n overrides
    token = "..."                                 # sent as "authorization: Bearer ..."
    tls_ca = "certs/ca.crt"                       # speak TLS, trusting this CA
    tls_cert = "certs/admin.crt"                  # with mTLS: the client certificate
    tls_key = "certs/admin.key"

Several clusters (or several identities) are named contexts, each a ``[contexts.NAME]`` table
with the same keys, and ``current-context = "NAME"`` (a top-level key) picks one; ``--context``
or ``$SIGMA_CONTEXT`` picks another for one command. A context's keys override the
``[sigmactl]`` table's, so that table holds what every context shares::

    current-context = "prod"

    [contexts.prod]
    apiserver = "10.0.0.5:7070"
    token = "..."

    [contexts.local]
    apiserver = "127.0.0.1:7070"

Each key has an environment override named ``SIGMA_<KEY>`` (``SIGMA_APISERVER``,
``SIGMA_TOKEN``, …), and flags win over both. The defaults are the ports ``sigma up`` listens
on. The token is never printed: it is left out of the dataclass ``repr`` and of every message.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from sigma import config
from sigma.errors import Invalid
from sigma.rpc import channel_credentials

SECTION = "sigmactl"
CONFIG_ENV = "SIGMACTL_CONFIG"
CONTEXT_ENV = "SIGMA_CONTEXT"
CURRENT = "current-context"
ENDPOINTS = ("apiserver", "scheduler", "colocator")


def _opt(default: Any, text: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": text}, **extra)


@dataclass(frozen=True, slots=True)
class CtlConfig:
    apiserver: str = _opt("127.0.0.1:7070", "apiserver address(es), host:port[,host:port]")
    scheduler: str = _opt("127.0.0.1:7071", "scheduler address, for `explain`")
    colocator: str = _opt("127.0.0.1:7072", "colocator address, for `budget`")
    kube: str = _opt(
        "127.0.0.1:7080", "the apiserver's Kubernetes API, for `config kubeconfig` (kubectl)"
    )
    namespace: str = _opt("default", "the team namespace requests are made in")
    system_namespace: str = _opt("system", "the namespace node writes are made in")
    token: str = _opt("", "credential sent as 'authorization: Bearer <token>'", repr=False)
    timeout: float = _opt(10.0, "seconds before a call gives up")
    tls_ca: str = _opt("", "PEM CA the endpoints' certificates are checked against (TLS on)")
    tls_cert: str = _opt("", "PEM client certificate, for endpoints requiring mTLS")
    tls_key: str = _opt("", "PEM private key of tls_cert")

    def credentials(self) -> grpc.ChannelCredentials | None:
        """TLS channel credentials when a CA or a client certificate is configured."""
        if not (self.tls_ca or self.tls_cert):
            return None
        return channel_credentials(self.tls_ca, self.tls_cert, self.tls_key)

    def endpoint(self, name: str) -> str:
        value: str = getattr(self, name)
        return value


def default_path(env: Mapping[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "sigma" / "config.toml"


def config_path(file: str | None, env: Mapping[str, str]) -> tuple[Path, bool]:
    """The config file and whether it was named (a named one must exist; the default may not)."""
    named = file or env.get(CONFIG_ENV)
    if named and not Path(named).is_file():
        raise Invalid("config", f"{named}: no such file")
    return (Path(named), True) if named else (default_path(env), False)


def read(path: Path) -> dict[str, Any]:
    """The whole file, or {} when there is none."""
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text())
    except OSError as exc:
        raise Invalid("config", f"cannot read {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("config", f"{path}: {exc}") from exc


def contexts(data: Mapping[str, Any], path: Path) -> dict[str, dict[str, Any]]:
    """The ``[contexts.NAME]`` tables of a read file."""
    found = data.get("contexts", {})
    if not isinstance(found, dict) or not all(isinstance(v, dict) for v in found.values()):
        raise Invalid(f"{path}: [contexts]", "must hold one table per context, [contexts.NAME]")
    return found


def _table(data: Mapping[str, Any], path: Path, name: str) -> dict[str, Any]:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise Invalid(f"{path}: [{name}]", "must be a table")
    return table


def load(
    flags: Mapping[str, Any],
    *,
    file: str | None = None,
    env: Mapping[str, str] | None = None,
    context: str | None = None,
) -> CtlConfig:
    """The effective configuration: flags > environment > the context > [sigmactl] > defaults.

    The context is ``context`` (``--context``), else ``$SIGMA_CONTEXT``, else the file's
    ``current-context``; none at all is fine, a named one that the file lacks is not.
    """
    env = os.environ if env is None else env
    path, _ = config_path(file, env)
    data = read(path)
    base = _table(data, path, SECTION)
    chosen = context or env.get(CONTEXT_ENV) or data.get(CURRENT) or ""
    layered = dict(base)
    if chosen:
        known = contexts(data, path)
        if chosen not in known:
            names = ", ".join(sorted(known)) or "none"
            raise Invalid("context", f"no context {chosen!r} in {path} (known: {names})")
        where = f"contexts.{chosen}"
        config.load(CtlConfig, {}, env={}, file=path, section=where, table=known[chosen])
        layered.update(known[chosen])
    cfg = config.load(CtlConfig, dict(flags), env=env, file=path, section=SECTION, table=layered)
    if cfg.timeout <= 0:
        raise Invalid("timeout", "must be positive")
    return cfg
