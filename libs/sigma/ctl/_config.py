"""Where sigmactl connects and as whom: flags > environment > config file > defaults.

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

Each key has an environment override named ``SIGMA_<KEY>`` (``SIGMA_APISERVER``,
``SIGMA_TOKEN``, …). The defaults are the ports ``sigma up`` listens on. The token is never
printed: it is left out of the dataclass ``repr`` and of every message.
"""

from __future__ import annotations

import os
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
ENDPOINTS = ("apiserver", "scheduler", "colocator")


def _opt(default: Any, text: str, **extra: Any) -> Any:
    return field(default=default, metadata={"help": text}, **extra)


@dataclass(frozen=True, slots=True)
class CtlConfig:
    apiserver: str = _opt("127.0.0.1:7070", "apiserver address(es), host:port[,host:port]")
    scheduler: str = _opt("127.0.0.1:7071", "scheduler address, for `explain`")
    colocator: str = _opt("127.0.0.1:7072", "colocator address, for `budget`")
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


def load(
    flags: Mapping[str, Any],
    *,
    file: str | None = None,
    env: Mapping[str, str] | None = None,
) -> CtlConfig:
    """The effective configuration. An explicitly named file must exist; the default may not."""
    env = os.environ if env is None else env
    named = file or env.get(CONFIG_ENV)
    path: Path | None = Path(named) if named else default_path(env)
    if named and not Path(named).is_file():
        raise Invalid("config", f"{named}: no such file")
    if path is not None and not path.is_file():
        path = None
    cfg = config.load(CtlConfig, dict(flags), env=env, file=path, section=SECTION)
    if cfg.timeout <= 0:
        raise Invalid("timeout", "must be positive")
    return cfg
