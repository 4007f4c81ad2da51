from dataclasses import dataclass, field

import pytest

from sigma import config
from sigma.errors import Invalid


@dataclass(frozen=True)
class Settings:
    store: str = field(default="memory://", metadata={"help": "store URL"})
    interval: float = 5.0
    workers: int = 2
    debug: bool = False


def test_flags_beat_env_beat_file_beat_defaults(tmp_path) -> None:
    toml = tmp_path / "sigma.toml"
    toml.write_text('[tier]\nstore = "etcd://file:1"\ninterval = 7.5\nworkers = 9\n')
    env = {"SIGMA_STORE": "etcd://env:2", "SIGMA_WORKERS": "4"}
    got = config.load(Settings, {"store": "etcd://flag:3"}, env=env, file=toml, section="tier")
    assert got == Settings(store="etcd://flag:3", interval=7.5, workers=4, debug=False)


def test_names_are_derived_in_one_place() -> None:
    assert config.flag_name("log_level") == "--log-level"
    assert config.env_name("log_level") == "SIGMA_LOG_LEVEL"


@pytest.mark.parametrize(
    ("env", "where"),
    [({"SIGMA_WORKERS": "many"}, "SIGMA_WORKERS"), ({"SIGMA_DEBUG": "perhaps"}, "SIGMA_DEBUG")],
)
def test_bad_values_name_where_they_came_from(env: dict[str, str], where: str) -> None:
    with pytest.raises(Invalid) as info:
        config.load(Settings, env=env)
    assert info.value.field == where


def test_unknown_file_keys_are_rejected(tmp_path) -> None:
    toml = tmp_path / "sigma.toml"
    toml.write_text("[tier]\nstorre = 'x'\n")
    with pytest.raises(Invalid, match="storre"):
        config.load(Settings, env={}, file=toml, section="tier")


def test_bool_from_env() -> None:
    assert config.load(Settings, env={"SIGMA_DEBUG": "true"}).debug is True
