"""The registry around prometheus_client (tier families, refreshers, build and process
collectors) and the /metrics endpoint."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sigma.metrics import MetricsServer, Registry, build_labels, value


def _families(r: Registry) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    body, _ = r.exposition()
    return {
        f.name: [(s.name, s.labels, s.value) for s in f.samples]
        for f in text_string_to_metric_families(body.decode())
    }


def test_counters_gauges_and_histograms_keep_their_names_and_labels() -> None:
    r = Registry(process=False)
    c = r.counter("sigma_test_requests_total", "calls served", ("method", "code"))
    c.labels(method="/a/B", code="OK").inc()
    c.labels(method="/a/B", code="OK").inc(2)
    r.gauge("sigma_test_depth", "queue depth").set(4.5)
    h = r.histogram("sigma_test_seconds", "latency", ("qos",), buckets=(0.1, 1.0))
    for v in (0.05, 0.1, 0.5, 3.0):
        h.labels(qos="LS").observe(v)
    body = r.exposition()[0].decode()
    assert 'sigma_test_requests_total{code="OK",method="/a/B"} 3.0' in body
    assert "sigma_test_depth 4.5" in body
    assert 'sigma_test_seconds_bucket{le="1.0",qos="LS"} 3.0' in body
    assert "_created" not in body  # not exported: nothing reads them
    assert value(c, method="/a/B", code="OK") == 3 and value(h, qos="LS") == 4
    assert value(h, qos="BE") == 0


def test_a_redefinition_reuses_the_family_and_a_clash_is_refused() -> None:
    r = Registry(process=False)
    c = r.counter("sigma_test_total", "x", ("a",))
    assert r.counter("sigma_test_total", "x", ("a",)) is c
    with pytest.raises(ValueError, match="already registered"):
        r.gauge("sigma_test_total", "x", ("a",))


def test_a_tiers_families_are_collected_only_while_that_tier_is_enabled() -> None:
    r = Registry(process=False)
    r.counter("sigma_common_total", "every process").inc()
    r.gauge("sigma_scheduler_q", "queue", tier="scheduler").set(3)
    assert "sigma_scheduler_q" not in _families(r)
    disable = r.enable("scheduler")
    again = r.enable("scheduler")  # sigma up may run two replicas' observers
    assert _families(r)["sigma_scheduler_q"] == [("sigma_scheduler_q", {}, 3.0)]
    disable()
    assert "sigma_scheduler_q" in _families(r)
    again()
    assert "sigma_scheduler_q" not in _families(r)
    assert "sigma_common" in _families(r)


def test_every_process_says_what_it_runs() -> None:
    families = _families(Registry())
    [(_, labels, one)] = families["sigma_build_info"]
    assert one == 1 and labels == build_labels() and labels["version"] != "unknown"
    assert {"process_cpu_seconds", "process_resident_memory_bytes", "python_info"} <= set(families)


async def test_refreshers_run_before_a_scrape_and_a_failing_one_is_skipped() -> None:
    r = Registry(process=False)
    g = r.gauge("sigma_test_lag", "lag")
    calls: list[str] = []

    async def refresh() -> None:
        calls.append("async")
        g.set(len(calls))

    def broken() -> None:
        raise RuntimeError("store down")

    r.add_refresher(broken)
    remove = r.add_refresher(refresh)
    await r.refresh()
    assert value(g) == 1
    remove()
    await r.refresh()
    assert value(g) == 1 and calls == ["async"]


def _get(url: str, accept: str = "") -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as reply:
            return reply.status, reply.headers["Content-Type"], reply.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


async def test_the_endpoint_refreshes_on_the_loop_and_speaks_both_formats() -> None:
    r = Registry()
    g = r.gauge("sigma_test_scrapes", "scrapes so far")
    r.add_refresher(lambda: g.inc())
    server = MetricsServer(r, "127.0.0.1", 0)
    await server.start()
    try:
        assert server.port != 0
        url = f"http://{server.address}/metrics"
        status, ctype, body = await asyncio.to_thread(_get, url)
        assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
        assert "sigma_test_scrapes 1.0" in body and "process_cpu_seconds_total" in body
        status, ctype, body = await asyncio.to_thread(
            _get, url, "application/openmetrics-text; version=1.0.0"
        )
        assert ctype.startswith("application/openmetrics-text") and body.endswith("# EOF\n")
        assert "sigma_test_scrapes 2.0" in body
        post = urllib.request.Request(url, data=b"", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            await asyncio.to_thread(urllib.request.urlopen, post, timeout=5)
        assert refused.value.code == 405
    finally:
        await server.stop()


async def test_the_endpoint_counts_the_loops_live_tasks() -> None:
    r = Registry(process=False)
    server = MetricsServer(r, "127.0.0.1", 0)
    await server.start()
    stop = asyncio.Event()
    try:
        url = f"http://{server.address}/metrics"
        before = _tasks(await asyncio.to_thread(_get, url))
        idle = [asyncio.create_task(stop.wait()) for _ in range(7)]
        assert _tasks(await asyncio.to_thread(_get, url)) == before + 7
        stop.set()
        await asyncio.gather(*idle)
        assert _tasks(await asyncio.to_thread(_get, url)) == before
    finally:
        await server.stop()
    assert r._refreshers == []  # a stopped endpoint counts nothing more


def _tasks(scrape: tuple[int, str, str]) -> float:
    families = text_string_to_metric_families(scrape[2])
    return next(s.value for f in families if f.name == "sigma_asyncio_tasks" for s in f.samples)
