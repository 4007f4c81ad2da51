"""compose/docker-compose.yml must agree with the code: commands, flags, variables, ports."""

import base64
from pathlib import Path

import pytest
import yaml

from sigma import config
from sigma.cli.command import TierConfig, build_parser
from sigma.cli.tiers import TIERS
from sigma.engines.kafka import kafka_version
from sigma.tiers import parse_listen

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TIER_ENV = {config.env_name(f) for f in TierConfig.__dataclass_fields__}


def known_env(tier: str) -> set[str]:
    """The variables ``sigma <tier>`` reads: the common ones and the tier's own settings."""
    own = TIERS[tier].settings
    return TIER_ENV | {config.env_name(f) for f in getattr(own, "__dataclass_fields__", ())}


def test_every_tier_has_a_service_and_nothing_unknown_runs_sigma() -> None:
    sigma_services = {n for n, s in SERVICES.items() if s.get("command", [""])[0] == "sigma"}
    assert sigma_services == set(TIERS)


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_tier_command_parses_with_the_real_cli(tier: str) -> None:
    command = SERVICES[tier]["command"]
    args = build_parser().parse_args(command[1:])  # exits 2 on an unknown flag
    assert args.command == tier


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_tier_environment_names_are_config_fields(tier: str) -> None:
    env = SERVICES[tier]["environment"]
    assert set(env) <= known_env(tier), f"unknown variables {set(env) - known_env(tier)}"
    loaded = config.load(TierConfig, env={k: str(v) for k, v in env.items()})
    assert loaded.store.startswith("etcd://etcd:")
    assert loaded.bus.startswith("kafka://kafka:")


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_tier_port_is_the_one_it_listens_on_and_probes(tier: str) -> None:
    service = SERVICES[tier]
    _, port = parse_listen(service["environment"]["SIGMA_LISTEN"], TIERS[tier].port)
    assert port == TIERS[tier].port
    published = [str(port)]
    if tier == "apiserver":  # and the Kubernetes API beside it, at the tier's default port
        _, kube = parse_listen(service["environment"]["SIGMA_KUBE_LISTEN"], 0)
        assert f"127.0.0.1:{kube}" == TIERS[tier].settings().kube_listen
        published.append(str(kube))
    assert [str(p) for p in service["ports"]] == published
    probe = service["healthcheck"]["test"]
    assert probe[1:4] == ["python", "-m", "sigma.rpc.probe"]
    assert probe[4].endswith(f":{port}")


def test_engines_are_the_ones_the_urls_name() -> None:
    env = SERVICES["apiserver"]["environment"]
    assert "etcd" in SERVICES and "kafka" in SERVICES
    kafka_env = SERVICES["kafka"]["environment"]
    assert env["SIGMA_BUS"] == "kafka://" + kafka_env["KAFKA_ADVERTISED_LISTENERS"].split("//")[1]
    assert "http://etcd:2379" in " ".join(SERVICES["etcd"]["command"])
    assert env["SIGMA_STORE"] == "etcd://etcd:2379"


def test_the_engines_keep_their_data_on_the_volumes() -> None:
    """A volume at a path the engine does not write to persists nothing."""
    kafka = SERVICES["kafka"]
    mounts = {v.split(":", 1)[1] for v in kafka["volumes"]}
    assert kafka["environment"]["KAFKA_LOG_DIRS"] in mounts
    assert base64.urlsafe_b64decode(kafka["environment"]["CLUSTER_ID"] + "==").__len__() == 16
    etcd = SERVICES["etcd"]
    data_dir = next(a.split("=", 1)[1] for a in etcd["command"] if a.startswith("--data-dir="))
    assert data_dir in {v.split(":", 1)[1] for v in etcd["volumes"]}


class _ComposeLoader(yaml.SafeLoader):
    """YAML as compose reads it: ``!reset`` drops what the file below set (here: None)."""


_ComposeLoader.add_constructor("!reset", lambda loader, node: None)
HOST = yaml.load((ROOT / "compose" / "docker-compose.host.yml").read_text(), _ComposeLoader)
LOCAL_ENV = dict(
    line.split("=", 1)
    for line in (ROOT / "compose" / "images" / "local.env").read_text().splitlines()
    if line and not line.startswith("#")
)


def test_the_host_override_moves_every_service_and_each_tier_probes_its_own_port() -> None:
    services = HOST["services"]
    assert set(services) == set(SERVICES)
    assert {s["network_mode"] for s in services.values()} == {"host"}
    for tier in TIERS:
        # The apiserver's port is fixed by SIGMA_APISERVER_PORT; the replicas' the OS picks.
        port = "127.0.0.1:${SIGMA_APISERVER_PORT:-7070}" if tier == "apiserver" else "pid:1"
        probe = ["python", "-m", "sigma.rpc.probe", port]
        assert services[tier]["healthcheck"]["test"][1:] == probe
        env = {**SERVICES[tier]["environment"], **services[tier]["environment"]}
        assert set(env) <= known_env(tier), f"unknown variables {set(env) - known_env(tier)}"


def test_on_the_host_network_the_tiers_dial_the_ports_the_engines_listen_on() -> None:
    env = HOST["x-host-tier-env"]
    kafka = HOST["services"]["kafka"]["environment"]
    assert env["SIGMA_BUS"] == "kafka://" + kafka["KAFKA_ADVERTISED_LISTENERS"].split("//")[1]
    assert (
        env["SIGMA_STORE"].replace("etcd://", "--listen-client-urls=http://")
        in (HOST["services"]["etcd"]["command"])
    )
    apiserver = HOST["services"]["apiserver"]["environment"]["SIGMA_LISTEN"]
    assert HOST["services"]["colocator"]["environment"]["SIGMA_APISERVER"] == apiserver


def test_the_local_images_stand_in_for_the_public_ones_at_the_same_versions() -> None:
    images = {name: SERVICES[name]["image"] for name in ("etcd", "kafka")}
    base = COMPOSE["x-tier"]["build"]["args"]["BASE"]
    for reference in (*images.values(), base):
        variable = reference.removeprefix("${").split(":-")[0]
        assert variable in LOCAL_ENV, f"{variable} has no local image in local.env"
    public_kafka = images["kafka"].split(":-")[1].rstrip("}")
    assert LOCAL_ENV["SIGMA_KAFKA_IMAGE"].split(":")[1] == public_kafka.split(":")[1]
    assert public_kafka.split(":")[1] == kafka_version()
