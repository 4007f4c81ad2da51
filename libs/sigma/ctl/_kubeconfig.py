"""``sigmactl config kubeconfig [--out FILE]``: a kubeconfig for the apiserver's Kubernetes API.

kubectl and the official Kubernetes clients reach Sigma through the apiserver's second door
(``kube``, port 7080 by default). The kubeconfig written here points at it with what this
config already holds: the token (kubeconfig ``token:``, checked against the same grants), the
namespace, and the TLS files (https when a CA is configured). Nothing is called: it works
with every tier down.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import yaml

from sigma.ctl._config import CtlConfig, load

NAME = "sigma"


def document(cfg: CtlConfig) -> dict[str, Any]:
    """The kubeconfig of ``cfg`` (pure)."""
    scheme = "https" if cfg.tls_ca else "http"
    cluster: dict[str, Any] = {"server": f"{scheme}://{cfg.kube}"}
    if cfg.tls_ca:
        cluster["certificate-authority"] = str(Path(cfg.tls_ca).resolve())
    user: dict[str, Any] = {}
    if cfg.token:
        user["token"] = cfg.token
    if cfg.tls_cert:
        user["client-certificate"] = str(Path(cfg.tls_cert).resolve())
        user["client-key"] = str(Path(cfg.tls_key).resolve())
    context = {"cluster": NAME, "user": NAME, "namespace": cfg.namespace}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": NAME, "cluster": cluster}],
        "users": [{"name": NAME, "user": user}],
        "contexts": [{"name": NAME, "context": context}],
        "current-context": NAME,
        "preferences": {},
    }


def kubeconfig(args: argparse.Namespace) -> int:
    given = {k: getattr(args, k, None) for k in ("apiserver", "token")}
    flags = {k: v for k, v in given.items() if v is not None}
    cfg = load(flags, file=args.config, context=args.context, env=os.environ)
    text = yaml.safe_dump(document(cfg), sort_keys=False)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # holds a token
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    print(f"wrote {out}: kubectl --kubeconfig {out} get nodes", file=sys.stderr)
    return 0
