"""The event-bus port and its adapters (``memory``, ``kafka``); open one with ``open_bus(url)``."""

from sigma.bus._types import (
    Bus,
    Consumer,
    Headers,
    Message,
    Position,
    StartFrom,
    TopicSpec,
    encode_headers,
)
from sigma.bus._url import open_bus

__all__ = [
    "Bus",
    "Consumer",
    "Headers",
    "Message",
    "Position",
    "StartFrom",
    "TopicSpec",
    "encode_headers",
    "open_bus",
]
