"""Batch capacity: how much of a node batch may use (``formula``), why each figure changed
(``ledger``), writing it into the Node (``writes``), and the cluster's use over time
(``utilization``)."""
