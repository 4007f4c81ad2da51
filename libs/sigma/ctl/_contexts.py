"""``sigmactl config get-contexts | current-context | use-context NAME``: the file's contexts.

These read and write the config file only; they never call a tier, so they work with every
endpoint down. ``use-context`` rewrites the file with ``tomlkit``, which keeps its comments,
order and spelling: only the ``current-context`` line changes (or is added at the top).
"""

from __future__ import annotations

import argparse
import os

import tomlkit

from sigma.ctl._config import CURRENT, SECTION, config_path, contexts, read
from sigma.ctl._tables import render
from sigma.errors import Invalid


def get_contexts(args: argparse.Namespace) -> int:
    path, _ = config_path(args.config, os.environ)
    data = read(path)
    current = data.get(CURRENT, "")
    base = data.get(SECTION, {})
    rows = []
    for name, table in sorted(contexts(data, path).items()):
        merged = {**base, **table}
        rows.append(
            [
                "*" if name == current else "",
                name,
                str(merged.get("apiserver", "-")),
                str(merged.get("namespace", "-")),
                "yes" if merged.get("token") else "no",  # never the token itself
            ]
        )
    if not rows:
        print(f"No contexts in {path}.")
        return 0
    print(render(("CURRENT", "NAME", "APISERVER", "NAMESPACE", "TOKEN"), rows))
    return 0


def current_context(args: argparse.Namespace) -> int:
    path, _ = config_path(args.config, os.environ)
    current = read(path).get(CURRENT)
    if not current:
        raise Invalid("current-context", f"is not set in {path}")
    print(current)
    return 0


def use_context(args: argparse.Namespace) -> int:
    path, _ = config_path(args.config, os.environ)
    data = read(path)
    known = contexts(data, path)
    if args.name not in known:
        names = ", ".join(sorted(known)) or "none"
        raise Invalid("context", f"no context {args.name!r} in {path} (known: {names})")
    document = tomlkit.parse(path.read_text())
    if CURRENT in document:
        document[CURRENT] = args.name
    else:  # a top-level key must come before the first table
        document.body.insert(0, (tomlkit.key(CURRENT), tomlkit.item(args.name)))
    path.write_text(tomlkit.dumps(document))
    print(f'Switched to context "{args.name}".')
    return 0
