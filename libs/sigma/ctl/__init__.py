"""``sigmactl``, the user's command line: manifests in, tables out.

Modules: ``_convert`` (data ↔ protobuf with field paths), ``_manifest`` (YAML documents),
``_kinds`` (command-line kinds and their RPCs), ``_config`` (endpoints, credentials, contexts),
``_client`` (channels, credentials, endpoint-named failures), ``_apply`` (apply's plan),
``_writes`` (dry runs), ``_tables``/``_describe``/``_output``/``_jsonpath`` (pure rendering),
``_reads`` (what reading commands share), and the commands: ``_get``, ``_commands``,
``_labels``, ``_nodes`` (cordon, drain), ``_rollout``, ``_wait``, ``_contexts``,
``_completion``, wired by ``_cli``.
"""

from sigma.ctl._cli import build_parser, main
from sigma.ctl._config import CtlConfig
from sigma.ctl._manifest import API_VERSION, Manifest, ManifestError, parse

__all__ = [
    "API_VERSION",
    "CtlConfig",
    "Manifest",
    "ManifestError",
    "build_parser",
    "main",
    "parse",
]
