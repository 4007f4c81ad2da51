"""What every ``sigma bench`` target prints: one result per line, as ``key=value`` pairs for a
person or, with ``--json``, one JSON object for a script."""

from __future__ import annotations

import json
from collections.abc import Mapping


def emit(result: Mapping[str, object], *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result), flush=True)
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items()), flush=True)
