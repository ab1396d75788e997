"""exchange replay hold

Revision ID: 8a4c2e6f1b37
Revises: 1d88e6e0a1d4
Create Date: 2026-11-29 18:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8a4c2e6f1b37"
down_revision: str | None = "1d88e6e0a1d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "exchange_replay",
        sa.Column("id", sa.String(length=20), primary_key=True),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("exchange_replay")
