"""Login for staff and, in dev mode, tokens for demo customers."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from gateway.upstreams import UpstreamError, Upstreams, upstream_url
from shared.auth import Actor, issue_token
from shared.problems import Problem

router = APIRouter(prefix="/api/v1")


class Login(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    role: str


class CustomerTokenIn(BaseModel):
    customer_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:-]+$")
    language: str = Field(default="ja", pattern=r"^(ja|en)$")


class CustomerTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


@router.post("/auth/login")
async def login(body: Login, request: Request) -> TokenOut:
    """Check staff credentials with routing_service, which keeps the accounts."""
    settings = request.app.state.settings
    client: Upstreams = request.app.state.http
    try:
        res = await client.request(
            "POST",
            f"{upstream_url(settings, 'routing_service')}/internal/v1/auth/verify",
            json=body.model_dump(),
        )
    except UpstreamError as exc:
        raise Problem(503, "login is unavailable right now") from exc
    if res.status_code != 200:
        raise Problem(401, "wrong username or password")
    account = res.json()
    actor = Actor(id=account["id"], role=account["role"], language=account.get("language", "ja"))
    token = issue_token(actor=actor, secret=request.app.state.jwt_secret, ttl_s=settings.jwt_ttl_s)
    return TokenOut(access_token=token, role=actor.role)


@router.post("/dev/customer-token")
async def customer_token(body: CustomerTokenIn, request: Request) -> CustomerTokenOut:
    """A customer token for demos and tests; 404 outside dev mode."""
    settings = request.app.state.settings
    if not settings.dev_mode:
        raise Problem(404, "no such resource")
    actor = Actor(id=body.customer_id, role="customer", language=body.language)
    token = issue_token(
        actor=actor, secret=request.app.state.jwt_secret, ttl_s=settings.customer_token_ttl_s
    )
    return CustomerTokenOut(access_token=token)
