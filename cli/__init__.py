"""The application layer: what the ``sigma`` command runs, composing the tiers.

``libs/sigma`` (ports, adapters, shared records and policy) ← ``services/<tier>`` (each
imports only ``libs/sigma`` and the protos) ← this package, which may compose tiers and which
no tier imports: the CLI and ``sigma up`` (``command``), which builder each tier runs
(``tiers``), the apiserver's rules called in process (``inprocess``), the trace replay
(``sim``) and the benchmarks (``bench``). ``tests/unit/test_layering.py`` holds every
import to that rule.
"""

from sigma.cli.command import build_parser, main

__all__ = ["build_parser", "main"]
