"""Configuration from flags, environment and file, in that order of precedence.

A tier's settings are one dataclass. Each field becomes a flag (``--bus-url`` for ``bus_url``),
an environment variable (``SIGMA_BUS_URL``) and a key in the TOML file's table for the tier
(``[apiserver] bus_url = "…"``). The compose file and the docs name the same three spellings,
derived here in one place (``flag_name`` / ``env_name``).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar, get_type_hints

from sigma.errors import Invalid

C = TypeVar("C")
ENV_PREFIX = "SIGMA_"
_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


def flag_name(field: str) -> str:
    return "--" + field.replace("_", "-")


def env_name(field: str) -> str:
    return ENV_PREFIX + field.upper()


def add_arguments(parser: argparse._ActionsContainer, cls: type[Any]) -> None:
    """One flag per field of ``cls``; unset flags stay None so env and file can fill them."""
    hints = get_type_hints(cls)
    for f in dataclasses.fields(cls):
        kind = hints[f.name]
        help_text = f.metadata.get("help", "")
        default = f.default if f.default is not dataclasses.MISSING else None
        parser.add_argument(
            flag_name(f.name),
            dest=f.name,
            default=None,
            metavar=f.metadata.get("metavar", f.name.upper()),
            help=f"{help_text} (env {env_name(f.name)}; default {default!r})"
            if kind is not bool
            else f"{help_text} (env {env_name(f.name)}; true/false; default {default!r})",
        )


def load(
    cls: type[C],
    args: argparse.Namespace | Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    file: str | Path | None = None,
    section: str = "",
    ignore: frozenset[str] = frozenset(),
    table: Mapping[str, Any] | None = None,
) -> C:
    """Build ``cls`` from flags > environment > file section > field defaults.

    ``table`` is a section already read (or merged from several, as sigmactl's contexts are);
    ``file`` and ``section`` then only say where it came from.
    """
    flags = vars(args) if isinstance(args, argparse.Namespace) else dict(args or {})
    env = os.environ if env is None else env
    if table is None:
        table = _read_section(file, section) if file else {}
    hints = get_type_hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if flags.get(f.name) is not None:
            raw, where = flags[f.name], flag_name(f.name)
        elif env_name(f.name) in env:
            raw, where = env[env_name(f.name)], env_name(f.name)
        elif f.name in table:
            raw, where = table[f.name], f"{file}: [{section}] {f.name}"
        else:
            continue
        values[f.name] = _convert(hints[f.name], raw, where)
    unknown = set(table) - {f.name for f in dataclasses.fields(cls)} - ignore
    if unknown:
        raise Invalid(f"{file}: [{section}]", f"unknown keys {sorted(unknown)}")
    return cls(**values)


def _read_section(file: str | Path, section: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(Path(file).read_text())
    except OSError as exc:
        raise Invalid("config", f"cannot read {file}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise Invalid("config", f"{file}: {exc}") from exc
    table = data.get(section, {}) if section else data
    if not isinstance(table, dict):
        raise Invalid(f"{file}: [{section}]", "must be a table")
    return table


def _convert(kind: Any, raw: Any, where: str) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        value = _BOOL.get(str(raw).strip().lower())
        if value is None:
            raise Invalid(where, f"expected true or false, got {raw!r}")
        return value
    if kind in (int, float):
        try:
            return kind(raw)
        except (TypeError, ValueError):
            raise Invalid(where, f"expected a number, got {raw!r}") from None
    if kind is str:
        return str(raw)
    if kind in (list[str], tuple[str, ...]):
        items = raw if isinstance(raw, list) else [s for s in str(raw).split(",") if s]
        return kind.__origin__(str(i) for i in items)
    raise TypeError(f"unsupported config type {kind!r} for {where}")


# ---- one default each: a tier's settings take their defaults from the parts they configure ----


def default(cls: type[Any], name: str) -> Any:
    """The default of ``cls``'s dataclass field ``name``: a setting that configures a part
    (a policy, an agent's intervals) says its default by pointing at the part's own."""
    spec = cls.__dataclass_fields__[name]
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    raise TypeError(f"{cls.__name__}.{name} has no default")


def pick(cls: type[C], source: Any, **overrides: Any) -> C:
    """A ``cls`` from the same-named fields of ``source`` (a tier's settings), plus
    ``overrides``: the settings build the part without copying it field by field."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    taken = {n: getattr(source, n) for n in names if hasattr(source, n) and n not in overrides}
    return cls(**taken, **overrides)
