"""Node QoS: pure strategies (view → actions), one registry, one executor, a ticking manager."""
