"""The token file: both spellings of a token, every refusal, and no secret in any message."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigma.auth import Authenticator, Security, bearer, digest
from sigma.errors import Invalid

FILE = f"""
[[tokens]]
name = "shop-ci"
token = "{digest("shop-token")}"
grants = {{ shop = "write", web = "read" }}

[[tokens]]
name = "system"
token = "root-token"
grants = {{ "*" = "admin" }}
"""


def test_plain_and_hashed_tokens_authenticate_to_their_principal() -> None:
    auth = Authenticator.from_toml(FILE)
    shop = auth.authenticate("shop-token")
    assert shop.name == "shop-ci" and dict(shop.grants) == {"shop": "write", "web": "read"}
    assert auth.authenticate("root-token").allows("control", "*")
    assert auth.names == ["shop-ci", "system"]
    with pytest.raises(TypeError):
        shop.grants["other"] = "admin"  # type: ignore[index]


def test_digest_is_sha256_hex() -> None:
    assert digest("test") == (
        "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    )


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        ("", "tokens", "want one or more [[tokens]] tables"),
        ("[[tokens]]\nname='a'\ngrants={a='read'}", "tokens: tokens[0].token", "required"),
        ("[[tokens]]\ntoken='t-secret'\ngrants={a='read'}", "tokens: tokens[0].name", "required"),
        (
            "[[tokens]]\nname='a'\ntoken='t-secret'",
            "tokens: tokens[0].grants",
            "want a table of namespace = role",
        ),
        (
            "[[tokens]]\nname='a'\ntoken='t-secret'\ngrants={a='owner'}",
            "tokens: tokens[0].grants.a",
            "role 'owner' is not one of ['admin', 'read', 'write']",
        ),
        (
            "[[tokens]]\nname='a'\ntoken='sha256:abc'\ngrants={a='read'}",
            "tokens: tokens[0].token",
            "a sha256: digest is 64 lowercase hex digits",
        ),
        (
            "[[tokens]]\nname='a'\ntoken='t-secret'\ngrants={a='read'}\nexpires=1",
            "tokens: tokens[0]",
            "unknown keys ['expires']",
        ),
    ],
)
def test_bad_entries_are_refused_naming_the_field(text: str, field: str, reason: str) -> None:
    with pytest.raises(Invalid) as caught:
        Authenticator.from_toml(text)
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert "t-secret" not in caught.value.message


def test_names_and_tokens_are_unique() -> None:
    entry = "[[tokens]]\nname='{}'\ntoken='{}'\ngrants={{a='read'}}\n"
    with pytest.raises(Invalid, match="name 'a' appears twice"):
        Authenticator.from_toml(entry.format("a", "t1") + entry.format("a", "t2"))
    with pytest.raises(Invalid, match="share one token") as caught:
        Authenticator.from_toml(entry.format("a", "t1") + entry.format("b", digest("t1")))
    assert "t1" not in caught.value.message


def test_unreadable_file_is_invalid_setting(tmp_path: Path) -> None:
    with pytest.raises(Invalid, match="auth_tokens: cannot read"):
        Security(auth_tokens=str(tmp_path / "missing.toml")).guard()
    path = tmp_path / "tokens.toml"
    path.write_text(FILE)
    assert not Security(auth_tokens=str(path)).guard().open
    assert Security().guard().open


def test_tls_settings_go_together() -> None:
    with pytest.raises(Invalid, match="tls_key"):
        Security(tls_cert="a.crt")
    with pytest.raises(Invalid, match="tls_ca"):
        Security(tls_ca="ca.crt")
    assert Security(tls_cert="a.crt", tls_key="a.key").tls


@pytest.mark.parametrize(
    ("metadata", "token"),
    [
        ((("authorization", "Bearer abc"),), "abc"),
        ((("x-request-id", "1"), ("authorization", "bearer  abc ")), "abc"),
        ((("authorization", "Basic abc"),), ""),  # present but not a bearer token: refused
        ((("x-request-id", "1"),), None),
        (None, None),
    ],
)
def test_bearer_metadata(metadata: tuple[tuple[str, str], ...] | None, token: str | None) -> None:
    assert bearer(metadata) == token
