"""``sigmactl``, the user's command line: manifests in, tables out.

Modules: ``_convert`` (data ↔ protobuf with field paths), ``_manifest`` (YAML documents),
``_kinds`` (command-line kinds and their RPCs), ``_config`` (endpoints, credentials, contexts),
``_client`` (channels, credentials, endpoint-named failures), ``_apply`` (apply's plan),
``_writes`` (dry runs), ``_tables``/``_describe``/``_output``/``_jsonpath`` (pure rendering),
``_reads`` (what reading commands share), and the commands: ``_get``, ``_commands``,
``_labels``, ``_nodes`` (cordon, drain), ``_rollout``, ``_wait``, ``_contexts``,
``_completion``, wired by ``_cli``.

The names below are imported on first use (PEP 562): the tiers use a few of these modules
(``_convert``, ``_config``), and importing the package for them must not load every command.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "API_VERSION": "sigma.ctl._manifest",
    "CtlConfig": "sigma.ctl._config",
    "Manifest": "sigma.ctl._manifest",
    "ManifestError": "sigma.ctl._manifest",
    "build_parser": "sigma.ctl._cli",
    "main": "sigma.ctl._cli",
    "parse": "sigma.ctl._manifest",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sigma.ctl' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
