"""The KRaft cluster id handed to kafka-storage: never one the tool would read as an option."""

from __future__ import annotations

import base64
import uuid

from sigma.engines.kafka import cluster_id


def test_an_id_starting_with_a_dash_is_drawn_again() -> None:
    dashed = uuid.UUID(bytes=b"\xf8" + bytes(15))  # 0b111110 is "-" in URL-safe base64
    plain = uuid.UUID(bytes=b"\x04" + bytes(15))
    draws = iter([dashed, plain])
    assert base64.urlsafe_b64encode(dashed.bytes).decode().startswith("-")
    got = cluster_id(lambda: next(draws))
    assert got == base64.urlsafe_b64encode(plain.bytes).rstrip(b"=").decode()
    assert len(got) == 22  # 16 bytes, unpadded, as kafka-storage random-uuid prints them
