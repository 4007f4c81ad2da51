"""The Prometheus text exposition (format 0.0.4), the registry, and the /metrics endpoint."""

from __future__ import annotations

import asyncio

import pytest

from sigma.errors import Invalid
from sigma.metrics import CONTENT_TYPE, MetricsServer, Registry


def test_counter_gauge_and_labels_render_in_the_text_format() -> None:
    r = Registry()
    c = r.counter("sigma_test_requests_total", "calls served", ("method", "code"))
    c.inc(method="/a/B", code="OK")
    c.inc(2, method="/a/B", code="OK")
    c.inc(method="/a/B", code="NOT_FOUND")
    g = r.gauge("sigma_test_depth", "queue depth")
    g.set(7)
    g.inc(-2.5)
    assert r.exposition() == (
        "# HELP sigma_test_depth queue depth\n"
        "# TYPE sigma_test_depth gauge\n"
        "sigma_test_depth 4.5\n"
        "# HELP sigma_test_requests_total calls served\n"
        "# TYPE sigma_test_requests_total counter\n"
        'sigma_test_requests_total{method="/a/B",code="NOT_FOUND"} 1\n'
        'sigma_test_requests_total{method="/a/B",code="OK"} 3\n'
    )
    assert c.value(method="/a/B", code="OK") == 3


def test_histogram_buckets_are_cumulative_with_sum_and_count() -> None:
    r = Registry()
    h = r.histogram("sigma_test_seconds", "latency", ("qos",), buckets=(0.1, 1.0))
    for v in (0.05, 0.1, 0.5, 3.0):
        h.observe(v, qos="LS")
    lines = r.exposition().splitlines()
    assert lines[2:] == [
        'sigma_test_seconds_bucket{qos="LS",le="0.1"} 2',
        'sigma_test_seconds_bucket{qos="LS",le="1"} 3',
        'sigma_test_seconds_bucket{qos="LS",le="+Inf"} 4',
        'sigma_test_seconds_sum{qos="LS"} 3.65',
        'sigma_test_seconds_count{qos="LS"} 4',
    ]
    assert h.count(qos="LS") == 4 and h.count(qos="BE") == 0


def test_label_values_and_help_are_escaped() -> None:
    r = Registry()
    g = r.gauge("sigma_test_g", "a \\ help\nline", ("v",))
    g.set(1, v='say "hi"\\\n')
    assert r.exposition().splitlines() == [
        "# HELP sigma_test_g a \\\\ help\\nline",
        "# TYPE sigma_test_g gauge",
        'sigma_test_g{v="say \\"hi\\"\\\\\\n"} 1',
    ]


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda r: r.counter("sigma_no_suffix", "x"), "name"),
        (lambda r: r.gauge("bad-name", "x"), "name"),
        (lambda r: r.gauge("sigma_g", "x", ("le",)), "labels"),
        (lambda r: r.histogram("sigma_h", "x", buckets=(1.0, 0.5)), "buckets"),
    ],
)
def test_malformed_definitions_are_refused(make: object, field: str) -> None:
    with pytest.raises(Invalid) as err:
        make(Registry())  # type: ignore[operator]
    assert err.value.field == field


def test_wrong_labels_and_negative_counts_are_refused_and_redefinitions_reuse() -> None:
    r = Registry()
    c = r.counter("sigma_test_total", "x", ("a",))
    with pytest.raises(Invalid):
        c.inc(b="1")
    with pytest.raises(Invalid):
        c.inc(-1, a="1")
    assert r.counter("sigma_test_total", "x", ("a",)) is c
    with pytest.raises(Invalid):
        r.gauge("sigma_test_total", "x", ("a",))


def test_a_tiers_families_render_only_while_that_tier_is_enabled() -> None:
    r = Registry()
    r.counter("sigma_common_total", "every process").inc()
    r.gauge("sigma_scheduler_q", "queue", tier="scheduler").set(3)
    assert "sigma_scheduler_q" not in r.exposition()
    disable = r.enable("scheduler")
    again = r.enable("scheduler")  # sigma up may run two replicas' observers
    assert "sigma_scheduler_q 3" in r.exposition()
    disable()
    assert "sigma_scheduler_q 3" in r.exposition()
    again()
    assert "sigma_scheduler_q" not in r.exposition()
    assert "sigma_common_total 1" in r.exposition()


async def test_collectors_refresh_before_render_and_a_failing_one_is_skipped() -> None:
    r = Registry()
    g = r.gauge("sigma_test_lag", "lag")
    calls: list[str] = []

    async def refresh() -> None:
        calls.append("async")
        g.set(len(calls))

    def broken() -> None:
        raise RuntimeError("store down")

    r.add_collector(broken)
    remove = r.add_collector(refresh)
    assert "sigma_test_lag 1\n" in await r.collect()
    remove()
    assert "sigma_test_lag 1\n" in await r.collect() and calls == ["async"]


async def _http(port: int, request: bytes) -> tuple[str, dict[str, str], str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    raw = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    head, _, body = raw.decode().partition("\r\n\r\n")
    status, *headers = head.split("\r\n")
    fields = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in headers)}
    return status, fields, body


async def test_the_endpoint_serves_metrics_and_refuses_the_rest() -> None:
    r = Registry()
    r.counter("sigma_test_total", "x").inc()
    server = MetricsServer(r, "127.0.0.1", 0)
    await server.start()
    try:
        assert server.port != 0
        status, headers, body = await _http(
            server.port, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        assert status == "HTTP/1.1 200 OK" and headers["content-type"] == CONTENT_TYPE
        assert body == r.exposition() and int(headers["content-length"]) == len(body)
        assert (await _http(server.port, b"GET / HTTP/1.1\r\n\r\n"))[0].endswith("404 Not Found")
        post = await _http(server.port, b"POST /metrics HTTP/1.1\r\n\r\n")
        assert post[0].endswith("405 Method Not Allowed")
    finally:
        await server.stop()
