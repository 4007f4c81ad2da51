"""The apiserver's second door: a Kubernetes-compatible HTTP/JSON API, so kubectl and the
official Kubernetes clients work against Sigma.

No second store of truth: every request is a call of the apiserver's own servicers
(``calls``), admitted by the same guard with the same rules, validated by the same
validation. The modules split by concern: ``kinds/`` map one kind each between Sigma's
messages and Kubernetes objects (pure), ``served/`` say what each resource takes,
``discovery``, ``openapi``, ``tables``, ``status`` and ``patch`` answer as the Kubernetes API
server does, and ``door`` serves all of it over HTTP (aiohttp), started by ``serving``.
"""
