"""InterferenceRuleSets as a whole (validation/_rules.py): every refusal names its field, and a
set at the cap still fits the store's request limit with room to spare."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sigma.apiserver import validation as v
from sigma.errors import Invalid
from sigma.resources.interference import MAX_RULES, RULE_BYTES_MAX
from sigma.v1 import interference_pb2

TEAMS = ("default", "shop", "search")
ETCD_REQUEST_MAX = int(1.5 * 1024 * 1024)


def rule_set(*rules: tuple[str, str, int]) -> interference_pb2.InterferenceRuleSet:
    out = interference_pb2.InterferenceRuleSet()
    out.meta.name = "shop-rules"
    out.spec.SetInParent()
    for a, b, k in rules:
        out.spec.rules.add(app_a=a, app_b=b, k=k)
    return out


def edit(change: Callable[[interference_pb2.InterferenceRuleSet], None]) -> None:
    obj = rule_set(("shop/web", "search/index", 1), ("shop/web", "shop/web", 0))
    change(obj)
    v.interference_rule_set(obj, TEAMS)


def test_a_good_set_passes_and_an_empty_one_too() -> None:
    edit(lambda s: None)
    v.interference_rule_set(rule_set(), TEAMS)


CASES = [
    ("no spec", lambda s: s.ClearField("spec"), "rule_set.spec", "required"),
    ("no name", lambda s: s.meta.ClearField("name"), "rule_set.meta.name", "required"),
    ("namespaced", lambda s: setattr(s.meta, "namespace", "shop"), "rule_set.meta.namespace", ""),
    (
        "negative k",
        lambda s: setattr(s.spec.rules[1], "k", -1),
        "rule_set.spec.rules[1].k",
        "0 or more, got -1",
    ),
    (
        "app without namespace",
        lambda s: setattr(s.spec.rules[0], "app_a", "web"),
        "rule_set.spec.rules[0].app_a",
        "namespace/name",
    ),
    (
        "upper case app",
        lambda s: setattr(s.spec.rules[0], "app_b", "search/Index"),
        "rule_set.spec.rules[0].app_b",
        "namespace/name",
    ),
    (
        "missing app",
        lambda s: setattr(s.spec.rules[1], "app_b", ""),
        "rule_set.spec.rules[1].app_b",
        "required",
    ),
    (
        "unknown team",
        lambda s: setattr(s.spec.rules[0], "app_b", "ads/banner"),
        "rule_set.spec.rules[0].app_b",
        "unknown namespace 'ads'",
    ),
    (
        "pair twice",
        lambda s: s.spec.rules.add(app_a="shop/web", app_b="search/index", k=3),
        "rule_set.spec.rules[2]",
        "already limited by rule_set.spec.rules[0]",
    ),
]


@pytest.mark.parametrize(
    ("change", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_refusals_name_the_field(change: Callable, field: str, reason: str) -> None:
    with pytest.raises(Invalid) as info:
        edit(change)
    assert info.value.field == field
    assert reason in info.value.reason


def test_the_first_bad_rule_is_named_even_deep_in_a_long_set() -> None:
    rules = [(f"shop/a{i}", "shop/b", 1) for i in range(5)]
    obj = rule_set(*rules)
    obj.spec.rules[3].k = -5
    with pytest.raises(Invalid) as info:
        v.interference_rule_set(obj, TEAMS)
    assert info.value.field == "rule_set.spec.rules[3].k"


def _largest_rule(i: int) -> tuple[str, str, int]:
    ns, name = "n" * 63, "a" * 57
    return f"{ns}/{name}{i:06d}", f"{ns}/{'b' * 57}{i:06d}", 2**31 - 1


def test_the_cap_is_stated_and_a_full_set_fits_the_store() -> None:
    full = rule_set(*(_largest_rule(i) for i in range(MAX_RULES)))
    v.interference_rule_set(full, (*TEAMS, "n" * 63))
    framed = {r.ByteSize() + 3 for r in full.spec.rules}  # field tag + two-byte length
    assert framed == {RULE_BYTES_MAX}  # the figure the error message and docs quote
    assert full.ByteSize() < ETCD_REQUEST_MAX // 2
    over = rule_set(*(("shop/a", f"shop/b{i}", 1) for i in range(MAX_RULES + 1)))
    with pytest.raises(Invalid) as info:
        v.interference_rule_set(over, TEAMS)
    assert info.value.field == "rule_set.spec.rules"
    assert f"at most {MAX_RULES} rules per set" in info.value.reason
    assert f"got {MAX_RULES + 1}" in info.value.reason


def test_the_sample_passes() -> None:
    from sigma.apiserver import samples

    v.interference_rule_set(samples.interference_rule_set(), ("team-a",))
