"""Staff accounts: the seeded admin, creating operators, checking a login, presence."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from routing_service.adapters.orm import OperatorRow
from routing_service.adapters.passwords import hash_password, verify_password
from shared.contracts.routing import OperatorPresenceChanged
from shared.db import UnitOfWork


class UsernameTaken(Exception):
    """Another account has this username."""


async def ensure_admin(uow: UnitOfWork, *, password: str) -> None:
    """Create the `admin` account if it does not exist yet."""
    async with uow:
        found = await uow.session.scalar(select(OperatorRow).where(OperatorRow.username == "admin"))
        if found is None:
            uow.session.add(
                OperatorRow(
                    id=str(uuid.uuid4()),
                    username="admin",
                    password_hash=hash_password(password),
                    display_name="Administrator",
                    role="admin",
                    teams=[],
                    languages=["ja", "en"],
                    max_concurrent=0,
                    presence="offline",
                )
            )
            await uow.commit()


async def verify_login(uow: UnitOfWork, *, username: str, password: str) -> OperatorRow | None:
    """The account if the password is right."""
    async with uow:
        row = await uow.session.scalar(select(OperatorRow).where(OperatorRow.username == username))
        if row is None or not verify_password(password, row.password_hash):
            return None
        return row


async def create_operator(
    uow: UnitOfWork,
    *,
    username: str,
    password: str,
    display_name: str,
    role: str,
    teams: list[str],
    languages: list[str],
    max_concurrent: int,
    schedule: dict[str, object] | None = None,
) -> OperatorRow:
    """Create a staff account."""
    async with uow:
        taken = await uow.session.scalar(
            select(OperatorRow.id).where(OperatorRow.username == username)
        )
        if taken is not None:
            raise UsernameTaken(username)
        row = OperatorRow(
            id=str(uuid.uuid4()),
            username=username,
            password_hash=hash_password(password),
            display_name=display_name,
            role=role,
            teams=teams,
            languages=languages,
            max_concurrent=max_concurrent,
            presence="offline",
            schedule=schedule,
            active_count=0,
        )
        uow.session.add(row)
        await uow.commit()
        return row


async def set_presence(uow: UnitOfWork, *, operator_id: str, status: str) -> OperatorRow | None:
    """Change an operator's presence and publish it."""
    async with uow:
        row = await uow.session.get(OperatorRow, operator_id, with_for_update=True)
        if row is None:
            return None
        row.presence = status
        uow.publish(
            OperatorPresenceChanged(operator_id=operator_id, status=status), subject=operator_id
        )
        await uow.commit()
        return row


async def list_operators(uow: UnitOfWork) -> list[OperatorRow]:
    """Every staff account, by display name."""
    async with uow:
        return list(await uow.session.scalars(select(OperatorRow).order_by(OperatorRow.username)))


async def set_schedule(
    uow: UnitOfWork, *, operator_id: str, schedule: dict[str, object] | None
) -> OperatorRow | None:
    """Replace an operator's weekly schedule (None: on shift whenever available)."""
    async with uow:
        row = await uow.session.get(OperatorRow, operator_id, with_for_update=True)
        if row is None:
            return None
        row.schedule = schedule
        await uow.commit()
        return row


async def set_connection(
    uow: UnitOfWork, *, operator_id: str, connected: bool, now: datetime
) -> OperatorRow | None:
    """Follow the staff member's websocket: the grace period runs from the last disconnect."""
    async with uow:
        row = await uow.session.get(OperatorRow, operator_id, with_for_update=True)
        if row is None:
            return None
        row.connected = connected
        row.disconnected_at = None if connected else now
        await uow.commit()
        return row
