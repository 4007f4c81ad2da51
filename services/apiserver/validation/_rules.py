"""InterferenceRuleSets as a whole: metadata, and the rules through the one rule checker.

The rules are checked by ``sigma.resources.interference.check_rules``, the checker the planner's
manifests use too, so a set the apiserver accepts is one every reader of rules accepts. On top
of it the apiserver knows the teams: an App reference into a namespace that does not exist can
never match a pod, so it is refused as the typo it is.
"""

from __future__ import annotations

from collections.abc import Iterable

from sigma.apiserver.validation._basics import meta
from sigma.errors import Invalid
from sigma.resources.interference import check_rules
from sigma.v1 import interference_pb2


def interference_rule_set(
    value: interference_pb2.InterferenceRuleSet, namespaces: Iterable[str], field: str = "rule_set"
) -> None:
    meta(value.meta, "", f"{field}.meta", cluster_scoped=True)
    if not value.HasField("spec"):
        raise Invalid(f"{field}.spec", "required")
    at = f"{field}.spec.rules"
    rules = value.spec.rules
    checked = check_rules(
        ((r.app_a, r.app_b, r.k) for r in rules), at, len(rules), ("app_a", "app_b", "k")
    )
    known = frozenset(namespaces)
    for n, rule in enumerate(checked):
        for part, ref in (("app_a", rule.a), ("app_b", rule.b)):
            team = ref.partition("/")[0]
            if team not in known:
                raise Invalid(f"{at}[{n}].{part}", f"unknown namespace {team!r} in {ref!r}")
