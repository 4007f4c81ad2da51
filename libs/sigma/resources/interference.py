"""App interference rules ``<A, B, k>``: a machine that hosts app A hosts at most k instances
of app B; when A = B, at most k + 1 instances of A (Sigma's rule of an app with itself).

Learned in production from cache, network and disk contention. A rule binds both ways: B may
not join a machine whose A it would crowd, and A may not join a machine that already holds
more than k of B. ``RuleIndex`` files every rule under both of its apps, so placing one pod
looks at just the rules that name its App.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rule:
    a: str
    b: str
    k: int

    @property
    def limit(self) -> int:
        """Most instances of B a machine holding A may hold."""
        return self.k + 1 if self.a == self.b else self.k

    def text(self) -> str:
        return f"<{self.a}, {self.b}, {self.k}>"


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


def breaks(rule: Rule, app: str, count: dict[str, int]) -> bool:
    """Whether adding one pod of ``app`` to a machine holding ``count`` (app → pods) breaks
    ``rule``: the pure statement of the rule, for explanations and tests."""
    after = dict(count)
    after[app] = after.get(app, 0) + 1
    return after.get(rule.a, 0) > 0 and after.get(rule.b, 0) > rule.limit
