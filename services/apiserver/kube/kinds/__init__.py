"""One module per kind the Kubernetes door serves: pure mappings between Sigma's messages
and the Kubernetes objects, and the fields each reads back for selectors and tables."""
