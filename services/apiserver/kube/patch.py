"""The four patch bodies kubectl sends, applied to an object's Kubernetes JSON.

Pure. JSON merge patch (RFC 7386), JSON patch (RFC 6902, by ``jsonpatch``), strategic merge
patch, and server-side apply's body. A strategic merge patch merges lists of objects by their
merge key (containers and env by ``name``, ...) instead of replacing them, and understands the
directives a ``kubectl apply`` patch carries (``$patch``, ``$setElementOrder/``,
``$deleteFromPrimitiveList/``, ``$retainKeys``). Server-side apply is taken as a strategic
merge of the applied object: fields the manifest states win, fields it does not are kept (no
per-manager field ownership is recorded).
"""

from __future__ import annotations

import copy
from typing import Any

import jsonpatch

from sigma.apiserver.kube.status import bad_request, unsupported_media

MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
APPLY_CBOR = "application/apply-patch+cbor"
TYPES = (JSON_PATCH, MERGE_PATCH, STRATEGIC, APPLY)
# The merge key of a list field, by the field's name (the Kubernetes types' patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "ports": "containerPort",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "imagePullSecrets": "name",
}
ORDER = "$setElementOrder/"
DELETE_PRIMITIVE = "$deleteFromPrimitiveList/"


def merge(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def strategic(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    out = dict(target) if isinstance(target, dict) else {}
    retain = patch.get("$retainKeys")
    for key, value in patch.items():
        if key in ("$patch", "$retainKeys") or key.startswith(ORDER):
            continue
        if key.startswith(DELETE_PRIMITIVE):
            name = key[len(DELETE_PRIMITIVE) :]
            out[name] = [v for v in out.get(name) or [] if v not in value]
        elif value is None:
            out.pop(key, None)
        elif isinstance(value, list) and key in MERGE_KEYS:
            out[key] = _merge_list(out.get(key) or [], value, MERGE_KEYS[key])
            order = patch.get(ORDER + key)
            if isinstance(order, list):
                out[key] = _reorder(out[key], order, MERGE_KEYS[key])
        else:
            out[key] = strategic(out.get(key), value)
    if isinstance(retain, list):
        out = {k: v for k, v in out.items() if k in retain}
    return out


def _merge_list(current: list[Any], patch: list[Any], key: str) -> list[Any]:
    if any(isinstance(p, dict) and p.get("$patch") == "replace" for p in patch):
        return [copy.deepcopy(p) for p in patch if not (isinstance(p, dict) and "$patch" in p)]
    out = [copy.deepcopy(item) for item in current]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise bad_request(f"a strategic merge patch list item needs its merge key {key!r}")
        at = next(
            (i for i, c in enumerate(out) if isinstance(c, dict) and c.get(key) == item[key]), None
        )
        if item.get("$patch") == "delete":
            if at is not None:
                out.pop(at)
        elif at is None:
            out.append(strategic({}, item))
        else:
            out[at] = strategic(out[at], item)
    return out


def _reorder(items: list[Any], order: list[Any], key: str) -> list[Any]:
    rank = {o.get(key): i for i, o in enumerate(order) if isinstance(o, dict)}
    return sorted(items, key=lambda it: rank.get(it.get(key), len(rank)))


def apply_patch(current: dict[str, Any], body: Any, content_type: str) -> dict[str, Any]:
    """``current`` with the patch ``body`` (already decoded) applied."""
    kind = content_type.split(";")[0].strip()
    if kind == JSON_PATCH:
        if not isinstance(body, list):
            raise bad_request("a JSON patch is a list of operations")
        try:
            return jsonpatch.apply_patch(current, body)  # type: ignore[no-any-return]
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
            raise bad_request(f"the JSON patch does not apply: {exc}") from exc
    if not isinstance(body, dict):
        raise bad_request("the patch must be a JSON object")
    if kind == MERGE_PATCH:
        return merge(current, body)  # type: ignore[no-any-return]
    if kind in (STRATEGIC, APPLY):
        return strategic(current, body)  # type: ignore[no-any-return]
    raise unsupported_media(f"the body of a PATCH must be one of {', '.join(TYPES)}")
