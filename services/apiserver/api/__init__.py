"""The apiserver's gRPC services, one module each; ``_common`` holds what they share."""

from sigma.apiserver.api._common import Api

__all__ = ["Api"]
