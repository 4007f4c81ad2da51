"""The resources the Kubernetes door serves, one class each, and the table of them all.

``base.Served`` reads a kind through its servicer (Get, List, Watch); a subclass adds the
writes its kind can take, each turned into the servicer calls that carry it out.
"""
