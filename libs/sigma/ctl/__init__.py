"""``sigmactl``, the user's command line: manifests in, tables out.

Modules: ``_convert`` (data ↔ protobuf with field paths), ``_manifest`` (YAML documents),
``_kinds`` (command-line kinds and their RPCs), ``_config`` (endpoints and credentials),
``_client`` (channels, credentials, endpoint-named failures), ``_apply`` (apply's plan),
``_tables``/``_describe`` (pure rendering), ``_commands`` and ``_cli`` (the commands).
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
