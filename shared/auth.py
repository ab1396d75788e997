"""Token checks shared by the gateway and the services: who is calling, in which role."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

import jwt

Role = Literal["customer", "operator", "supervisor", "admin"]
STAFF_ROLES: frozenset[str] = frozenset({"operator", "supervisor", "admin"})
ALGORITHM = "HS256"


class InvalidToken(Exception):
    """The token is missing, malformed, expired or signed with another key."""


@dataclass(frozen=True)
class Actor:
    """The caller: a customer or a staff member."""

    id: str
    role: Role
    language: str = "ja"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def sees_everything(self) -> bool:
        return self.role in ("supervisor", "admin")


def issue_token(*, actor: Actor, secret: str, ttl_s: int) -> str:
    """Sign a token for the actor."""
    now = int(time.time())
    claims = {
        "sub": actor.id,
        "role": actor.role,
        "lang": actor.language,
        "iat": now,
        "exp": now + ttl_s,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def decode_token(token: str, *, secret: str) -> Actor:
    """Verify a token and return its actor, or raise InvalidToken."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    role = claims.get("role")
    sub = claims.get("sub")
    if role not in ("customer", "operator", "supervisor", "admin") or not isinstance(sub, str):
        raise InvalidToken("token lacks a valid role or subject")
    return Actor(id=sub, role=role, language=str(claims.get("lang") or "ja"))


def bearer_token(header: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
