"""The scheduler tier: places pending pods on nodes, after kube-scheduler's framework.

Layout::

    framework/   pure: types (PodInfo, Status, ScheduleResult), snapshot (NumPy columns per
                 node), cache (assume/confirm/forget, snapshots) over nodes (the node
                 table, NodeRow), placements (the pods and what they take) and columns
                 (copy-on-write NumPy tables), queue (active/backoff/unschedulable),
                 interfaces (one Protocol per extension point), runtime (the chains,
                 weights), sampling (how many nodes an attempt looks for: kube-scheduler's
                 percentageOfNodesToScore)
    plugins/     one module per plugin, listed once in plugins/registry.py
    convert.py   protobuf → PodInfo / NodeRow, at the informer edge
    allocation.py  the node allocation record, pure: admit (fit check), release, cpusets
    binding.py   per-node optimistic binding through the store (one CAS transaction)
    decisions.py  committed preemptions as ColocationDecisions (EVICT) on the bus
    feed.py      informers → cache and queue
    decide.py    one scheduling round, pure: the framework's chains over a snapshot
    commit.py    a round's placements bound and its preemptions recorded
    loop.py      a replica: feed → decide → commit; several replicas may race
    explain.py, api.py      the sigma.v1.Scheduler service (Explain, GetQueue)
    settings.py  the tier's settings (--percentage-of-nodes-to-score)
    tier.py      the tier builder
"""
