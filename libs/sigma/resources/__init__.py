"""Stored objects: their kinds and keys (``kinds``) and typed CAS access (``Repository``)."""

from sigma.resources.kinds import (
    APP,
    BATCH_JOB,
    INTERFERENCE_RULE_SET,
    KINDS,
    NODE,
    NODE_ALLOCATION,
    POD,
    TASK,
    Kind,
    kind_named,
    kind_of_key,
)
from sigma.resources.repository import Page, Repository, matches, to_event
from sigma.resources.writes import Writes

__all__ = [
    "APP",
    "BATCH_JOB",
    "INTERFERENCE_RULE_SET",
    "KINDS",
    "NODE",
    "NODE_ALLOCATION",
    "POD",
    "TASK",
    "Kind",
    "Page",
    "Repository",
    "Writes",
    "kind_named",
    "kind_of_key",
    "matches",
    "to_event",
]
