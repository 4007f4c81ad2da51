"""compose/docker-compose.yml must agree with the code: commands, flags, variables, ports."""

import base64
from pathlib import Path

import pytest
import yaml

from sigma import config
from sigma.cli.command import TierConfig, build_parser
from sigma.cli.tiers import TIERS
from sigma.tiers import parse_listen

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
TIER_ENV = {config.env_name(f) for f in TierConfig.__dataclass_fields__}


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
    assert set(env) <= TIER_ENV, f"unknown variables {set(env) - TIER_ENV}"
    loaded = config.load(TierConfig, env={k: str(v) for k, v in env.items()})
    assert loaded.store.startswith("etcd://etcd:")
    assert loaded.bus.startswith("kafka://kafka:")


@pytest.mark.parametrize("tier", sorted(TIERS))
def test_tier_port_is_the_one_it_listens_on_and_probes(tier: str) -> None:
    service = SERVICES[tier]
    _, port = parse_listen(service["environment"]["SIGMA_LISTEN"], TIERS[tier].port)
    assert port == TIERS[tier].port
    assert [str(p) for p in service["ports"]] == [str(port)]
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
