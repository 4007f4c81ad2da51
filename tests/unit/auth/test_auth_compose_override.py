"""compose/docker-compose.secure.yml must name real settings and give each tier its own files."""

from pathlib import Path

import yaml

from sigma import config
from sigma.cli.command import TierConfig
from sigma.cli.tiers import TIERS

ROOT = Path(__file__).resolve().parents[3]
SECURE = yaml.safe_load((ROOT / "compose" / "docker-compose.secure.yml").read_text())
BASE = yaml.safe_load((ROOT / "compose" / "docker-compose.yml").read_text())


def test_every_tier_turns_on_tokens_and_mtls_with_its_own_certificate() -> None:
    assert set(SECURE["services"]) == set(TIERS) <= set(BASE["services"])
    for name, service in SECURE["services"].items():
        env = {**BASE["services"][name]["environment"], **service["environment"]}
        loaded = config.load(TierConfig, env={k: str(v) for k, v in env.items()})
        assert loaded.auth_tokens == "/etc/sigma/tokens.toml"
        assert loaded.tls_cert == f"/etc/sigma/certs/{name}.crt"
        assert loaded.tls_key == f"/etc/sigma/certs/{name}.key"
        assert loaded.tls_ca == "/etc/sigma/certs/ca.crt"
        mounted = {volume.split(":")[1] for volume in service["volumes"]}
        assert mounted == {"/etc/sigma/certs", "/etc/sigma/tokens.toml"}
