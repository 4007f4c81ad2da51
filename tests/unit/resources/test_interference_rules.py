"""Interference rules from their manifest form: valid sets, and each bad field named; and
whether one more pod of an App may join a machine (``allows``)."""

import grpc
import pytest

from sigma.errors import Invalid, grpc_code
from sigma.resources.interference import Rule, RuleIndex, allows, parse_rules


def test_rules_parse_and_index_under_both_apps() -> None:
    rules = parse_rules(
        [
            {"appA": "shop/cart", "appB": "shop/search", "k": 2},
            {"appA": "shop/cart", "appB": "shop/cart", "k": 0},
        ]
    )
    assert rules == [Rule("shop/cart", "shop/search", 2), Rule("shop/cart", "shop/cart", 0)]
    index = RuleIndex(rules)
    assert index.own["shop/cart"].limit == 1  # an App with itself: k + 1
    assert index.crowds["shop/cart"][0].limit == 2 and index.crowded["shop/search"]
    assert index.names("shop/search") and not index.names("shop/other")


@pytest.mark.parametrize(
    ("items", "field", "reason"),
    [
        ("nope", "spec.rules", "must be a list"),
        ([3], "spec.rules[0]", "must be a mapping"),
        ([{"appA": "a/x", "appB": "a/y"}], "spec.rules[0].k", "must be a whole number"),
        ([{"appA": "a/x", "appB": "a/y", "k": -1}], "spec.rules[0].k", "got -1"),
        ([{"appA": "a/x", "appB": "a/y", "k": True}], "spec.rules[0].k", "got True"),
        ([{"appA": "a/x", "appB": "a/y", "k": 1.5}], "spec.rules[0].k", "got 1.5"),
        ([{"appB": "a/y", "k": 1}], "spec.rules[0].appA", "required"),
        ([{"appA": "x", "appB": "a/y", "k": 1}], "spec.rules[0].appA", "namespace/name"),
        ([{"appA": "a/x", "appB": "A/Y", "k": 1}], "spec.rules[0].appB", "namespace/name"),
        ([{"appA": "a/x", "appB": "a/y", "k": 1, "kk": 2}], "spec.rules[0].kk", "unknown"),
        (
            [{"appA": "a/x", "appB": "a/y", "k": 1}, {"appA": "a/x", "appB": "a/y", "k": 3}],
            "spec.rules[1]",
            "already limited by spec.rules[0]",
        ),
    ],
)
def test_a_bad_rule_names_its_field(items: object, field: str, reason: str) -> None:
    with pytest.raises(Invalid) as err:
        parse_rules(items)  # type: ignore[arg-type]
    assert err.value.field == field and reason in err.value.reason
    assert grpc_code(err.value) is grpc.StatusCode.INVALID_ARGUMENT


@pytest.mark.parametrize(
    ("here", "cap", "want"),
    [
        ({}, 0, True),  # an empty machine takes anything
        ({"ns/web": 1}, 0, False),  # <web, api, 0>: no api beside web
        ({"ns/api": 2}, 0, True),  # <api, api, 2>: a third api may join two
        ({"ns/api": 3}, 0, False),  # but not a fourth
        ({"ns/db": 1}, 0, True),  # <api, db, 1>: api may join one db
        ({"ns/db": 2}, 0, False),  # not two
        ({"ns/api": 1}, 1, False),  # the per-host cap, whatever the rules allow
        ({"ns/api": 1}, 2, True),
    ],
)
def test_allows_is_every_rule_naming_the_app_and_its_cap(
    here: dict[str, int], cap: int, want: bool
) -> None:
    rules = RuleIndex(
        [Rule("ns/web", "ns/api", 0), Rule("ns/api", "ns/api", 2), Rule("ns/api", "ns/db", 1)]
    )
    assert allows(rules, "ns/api", here, cap) is want
    assert allows(rules, "", here, cap)  # a pod of no App is never limited
    assert [r.text() for r in rules.naming("ns/api")] == [
        "<ns/api, ns/api, 2>", "<ns/api, ns/db, 1>", "<ns/web, ns/api, 0>"
    ]  # fmt: skip
