"""Interference rules from their manifest form: valid sets, and each bad field named."""

import grpc
import pytest

from sigma.errors import Invalid, grpc_code
from sigma.resources.interference import Rule, RuleIndex, parse_rules


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
