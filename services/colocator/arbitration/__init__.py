"""Online/batch arbitration: which batch pods give room back (``victims``), for a node over
its threshold or for an online pod the scheduler could not place (``pending``)."""
