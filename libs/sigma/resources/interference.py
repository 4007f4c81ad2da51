"""App interference rules ``<A, B, k>``: a machine that hosts app A hosts at most k instances
of app B; when A = B, at most k + 1 instances of A (Sigma's rule of an app with itself).

Learned in production from cache, network and disk contention. A rule binds both ways: B may
not join a machine whose A it would crowd, and A may not join a machine that already holds
more than k of B. ``RuleIndex`` files every rule under both of its apps, so placing one pod
looks at just the rules that name its App.

A set of rules arrives as a cluster-scoped object's ``spec.rules`` (``appA``, ``appB``, ``k``);
``parse_rules`` validates it and names the offending field in its ``Invalid``, which the
error table turns into INVALID_ARGUMENT.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from sigma.errors import Invalid
from sigma.v1.interference_pb2 import InterferenceRuleSet

# "namespace/app", each part as the apiserver names objects: lower-case letters, digits, '-'.
APP_REF = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")

# Rules per set. A rule with two 127-character App names and the largest k encodes in 267
# bytes (measured: ``InterferenceRuleSet.ByteSize()`` grows by 267.0 a rule), so 2000 rules
# are about 0.51 MiB: with the largest labels and annotations a set still stays under Kafka's
# default 1 MiB message and far below etcd's 1.5 MiB request limit.
MAX_RULES = 2000
RULE_BYTES_MAX = 267


@dataclass(frozen=True, slots=True)
class Rule:
    a: str
    b: str
    k: int
    origin: str = field(default="", compare=False)  # the rule set that declares it, if any

    @property
    def limit(self) -> int:
        """Most instances of B a machine holding A may hold."""
        return self.k + 1 if self.a == self.b else self.k

    def text(self) -> str:
        return f"<{self.a}, {self.b}, {self.k}>"

    def said(self) -> str:
        """The rule as explanations name it, with the set it comes from."""
        return f"{self.text()} of InterferenceRuleSet {self.origin}" if self.origin else self.text()


class RuleIndex:
    """Rules by the App they name: ``crowds[x]``, the rules whose A is x (other B);
    ``crowded[x]``, those whose B is x (other A); ``own[x]``, x's rule with itself."""

    def __init__(self, rules: Iterable[Rule] = ()) -> None:
        self.rules = tuple(rules)
        self.crowds: dict[str, list[Rule]] = defaultdict(list)
        self.crowded: dict[str, list[Rule]] = defaultdict(list)
        self.own: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.a == rule.b:
                prev = self.own.get(rule.a)
                if prev is None or rule.k < prev.k:
                    self.own[rule.a] = rule
            else:
                self.crowds[rule.a].append(rule)
                self.crowded[rule.b].append(rule)

    def __len__(self) -> int:
        return len(self.rules)

    def names(self, app: str) -> bool:
        """Whether any rule names ``app``."""
        return app in self.own or app in self.crowds or app in self.crowded

    def naming(self, app: str) -> list[Rule]:
        """Every rule that names ``app``: its own, then those it crowds, then those crowding it."""
        own = [self.own[app]] if app in self.own else []
        return [*own, *self.crowds.get(app, ()), *self.crowded.get(app, ())]


def breaks(rule: Rule, app: str, count: dict[str, int]) -> bool:
    """Whether adding one pod of ``app`` to a machine holding ``count`` (app → pods) breaks
    ``rule``: the pure statement of the rule, for explanations and tests."""
    after = dict(count)
    after[app] = after.get(app, 0) + 1
    return after.get(rule.a, 0) > 0 and after.get(rule.b, 0) > rule.limit


def allows(rules: RuleIndex, app: str, here: Mapping[str, int], cap: int = 0) -> bool:
    """Whether one more pod of ``app`` may join a machine holding ``here`` (App → pods): its
    per-host ``cap`` (0: none) and every rule naming it hold. A pod of no App ("") always may."""
    if not app:
        return True
    if cap and here.get(app, 0) + 1 > cap:
        return False
    count = dict(here)
    return not any(breaks(rule, app, count) for rule in rules.naming(app))


def parse_rules(items: Sequence[Mapping[str, object]], field: str = "spec.rules") -> list[Rule]:
    """Rules from their manifest form, each ``{appA, appB, k}``; raises ``Invalid`` naming
    the first bad field (``spec.rules[2].k``)."""
    if not isinstance(items, Sequence) or isinstance(items, str | bytes):
        raise Invalid(field, "must be a list of {appA, appB, k}")

    def fields() -> Iterator[tuple[object, object, object]]:
        for n, item in enumerate(items):
            at = f"{field}[{n}]"
            if not isinstance(item, Mapping):
                raise Invalid(at, "must be a mapping with appA, appB and k")
            unknown = sorted(set(item) - {"appA", "appB", "k"})
            if unknown:
                raise Invalid(f"{at}.{unknown[0]}", "unknown field")
            yield item.get("appA"), item.get("appB"), item.get("k")

    return check_rules(fields(), field, len(items))


def check_rules(
    items: Iterable[tuple[object, object, object]],
    field: str,
    count: int,
    names: tuple[str, str, str] = ("appA", "appB", "k"),
) -> list[Rule]:
    """The rules ``(a, b, k)`` of one set (``count`` of them), checked in order; ``Invalid``
    names the first bad field as ``{field}[n].{name}`` with ``names`` spelling a, b and k.

    A set holds at most ``MAX_RULES``. A pair named twice is an error: which of two limits
    holds would otherwise depend on the order."""
    if count > MAX_RULES:
        raise Invalid(
            field,
            f"at most {MAX_RULES} rules per set (about {RULE_BYTES_MAX} bytes each, so a set "
            f"stays far below the store's 1.5 MiB request limit), got {count}; "
            "split them over several sets",
        )
    rules: list[Rule] = []
    seen: dict[tuple[str, str], int] = {}
    for n, (a_value, b_value, k) in enumerate(items):
        at = f"{field}[{n}]"
        a = _app_ref(a_value, f"{at}.{names[0]}")
        b = _app_ref(b_value, f"{at}.{names[1]}")
        if not isinstance(k, int) or isinstance(k, bool) or k < 0:
            raise Invalid(f"{at}.{names[2]}", f"must be a whole number, 0 or more, got {k!r}")
        if (a, b) in seen:
            raise Invalid(at, f"the pair ({a}, {b}) is already limited by {field}[{seen[a, b]}]")
        seen[a, b] = n
        rules.append(Rule(a, b, k))
    return rules


def _app_ref(value: object, field: str) -> str:
    if value is None or value == "":
        raise Invalid(field, "required")
    if not isinstance(value, str) or not APP_REF.fullmatch(value):
        raise Invalid(field, f"{value!r} must name an App as namespace/name")
    return value


def rule_index(sets: Iterable[InterferenceRuleSet]) -> RuleIndex:
    """The union of every rule set's rules, each knowing its set (for explanations).

    Sets are taken in name order, so the index, and which of two equal limits an explanation
    names, does not depend on the order the informer met them in. Where two sets limit the
    same pair the stricter rule holds (``RuleIndex`` enforces every rule it holds)."""
    ordered = sorted(sets, key=lambda s: s.meta.name)
    return RuleIndex(
        Rule(r.app_a, r.app_b, r.k, origin=s.meta.name) for s in ordered for r in s.spec.rules
    )
