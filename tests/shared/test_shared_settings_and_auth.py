"""Settings refuse dev defaults outside dev mode; tokens carry who is calling and expire."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.auth import Actor, InvalidToken, bearer_token, decode_token, issue_token
from shared.settings import DEV_JWT_SECRET, ServiceSettings

SECRET = "a-real-secret-that-is-long-enough-000000"


def test_a_service_refuses_the_dev_secret_outside_dev_mode() -> None:
    with pytest.raises(ValidationError, match="dev default"):
        ServiceSettings(dev_mode=False, jwt_secret=DEV_JWT_SECRET)


def test_the_dev_secret_is_accepted_in_dev_mode() -> None:
    assert ServiceSettings(dev_mode=True).jwt_secret.get_secret_value() == DEV_JWT_SECRET


def test_a_short_secret_is_refused_even_in_dev_mode() -> None:
    with pytest.raises(ValidationError, match="at least 32"):
        ServiceSettings(dev_mode=True, jwt_secret="short")


def test_a_plain_postgres_url_gets_the_asyncpg_driver() -> None:
    settings = ServiceSettings(dev_mode=True, database_url="postgresql://u@/chat?host=/tmp/pg")
    assert settings.async_database_url() == "postgresql+asyncpg://u@/chat?host=/tmp/pg"


def test_a_token_round_trips_its_actor() -> None:
    actor = Actor(id="cust-1", role="customer", language="en")
    token = issue_token(actor=actor, secret=SECRET, ttl_s=60)
    assert decode_token(token, secret=SECRET) == actor


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = issue_token(actor=Actor(id="x", role="admin"), secret=SECRET, ttl_s=60)
    with pytest.raises(InvalidToken):
        decode_token(token, secret=SECRET.replace("a", "b"))


def test_an_expired_token_is_refused() -> None:
    token = issue_token(actor=Actor(id="x", role="operator"), secret=SECRET, ttl_s=-1)
    with pytest.raises(InvalidToken):
        decode_token(token, secret=SECRET)


def test_only_bearer_authorization_headers_carry_a_token() -> None:
    assert bearer_token("Bearer abc") == "abc"
    assert bearer_token("Basic abc") is None
    assert bearer_token("Bearer ") is None
    assert bearer_token(None) is None
