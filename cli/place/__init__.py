"""``sigma place``: plan a whole cluster's placement (Alibaba's 2018 scheduling contest format).

``problem`` reads the four CSV files, ``check`` is the independent judge (cost, every
violation and a lower bound), ``state`` and ``initial`` place every instance through the
scheduler's own framework and plugins, ``search`` improves the placement, ``migrate`` orders
the moves from the instances' current machines, ``baseline`` gives the placements it is
compared with, ``synth`` makes data sets of the contest's shape and ``command`` is the
command line. See docs/placement.md.
"""
