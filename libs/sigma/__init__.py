"""Sigma: online services and batch jobs on shared machines.

Shared code lives here (``sigma.store``, ``sigma.bus``, ``sigma.rpc``, the generated wire
contract ``sigma.v1``); each tier is its own package (``sigma.apiserver``,
``sigma.scheduler``, ``sigma.colocator``, ``sigma.slave``).
"""

__version__ = "0.1.0"
