"""unanswered question meaning

Revision ID: c3f1a7d2b9e4
Revises: 6495fca215ac
Create Date: 2026-11-29 17:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c3f1a7d2b9e4"
down_revision: str | None = "6495fca215ac"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("unanswered_questions", sa.Column("meaning", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    op.drop_column("unanswered_questions", "meaning")
