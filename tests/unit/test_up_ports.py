"""Where `sigma up` puts its tiers: the defaults' layout from one port, or each on a free port."""

from __future__ import annotations

import pytest

from sigma.cli.tiers import TIERS
from sigma.cli.up import port as _up_port
from sigma.errors import Invalid


def test_the_tiers_keep_their_default_layout_from_any_first_port() -> None:
    assert {t: _up_port(t, 7070) for t in TIERS} == {t: TIERS[t].port for t in TIERS}
    assert {t: _up_port(t, 17070) for t in TIERS} == {
        "apiserver": 17070,
        "scheduler": 17071,
        "colocator": 17072,
        "slave": 17073,
    }


def test_zero_is_a_free_port_for_every_tier() -> None:
    assert {_up_port(t, 0) for t in TIERS} == {0}


@pytest.mark.parametrize("first", [-1, 65533, 70000])
def test_a_first_port_without_room_for_every_tier_is_refused(first: int) -> None:
    with pytest.raises(Invalid, match="--ports-from"):
        _up_port("slave", first)


def test_the_kubernetes_api_sits_ten_above_the_apiserver() -> None:
    from sigma.apiserver.settings import ApiServerSettings
    from sigma.cli.up import kube

    def listen(first: int, setting: str = "127.0.0.1:7080") -> str:
        settings = {"apiserver": ApiServerSettings(kube_listen=setting)}
        kube(settings, "0.0.0.0", first)
        return str(settings["apiserver"].kube_listen)

    assert listen(7070) == "0.0.0.0:7080"
    assert listen(17070) == "0.0.0.0:17080"
    assert listen(0) == "0.0.0.0:0"  # a free port, printed when it listens
    assert listen(7070, "") == ""  # turned off stays off


def test_metrics_follow_the_first_port_unless_given() -> None:
    from sigma.cli.up import PORTS_FROM_MAX, metrics

    assert metrics("h", 7070, -1) == ("h", 9100)
    assert metrics("h", 17070, -1) == ("h", 19100)
    assert metrics("h", 0, -1) == ("h", 0)  # a free port, printed when it listens
    assert metrics("h", 17070, 9200) == ("h", 9200)
    assert metrics("h", 7070, 0) is None
    assert PORTS_FROM_MAX + 2030 == 65535
    with pytest.raises(Invalid, match="--ports-from"):
        _up_port("apiserver", PORTS_FROM_MAX + 1)
    with pytest.raises(Invalid, match="--metrics-port"):
        metrics("h", 7070, 70000)
