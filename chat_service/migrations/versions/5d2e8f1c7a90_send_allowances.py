"""send allowances

Revision ID: 5d2e8f1c7a90
Revises: 98dcd8de89b1
Create Date: 2026-11-29 18:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5d2e8f1c7a90"
down_revision: str | None = "98dcd8de89b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "send_allowances",
        sa.Column("author_id", sa.String(length=64), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("author_id"),
    )


def downgrade() -> None:
    op.drop_table("send_allowances")
