"""The search index's terms derived again: words are stemmed by the rules of their script
(Arabic words by the Arabic rules, no longer by the English ones) and run on across the
combining marks written over their letters, so every row whose terms change is rewritten
(on SQLite the FTS5 triggers follow). The downgrade keeps the new terms (the earlier
analyser is not here to derive them): Arabic queries find less until a document is saved again.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

from tg_parser.store.terms import index_text

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 500

_index = sa.table(
    "search_documents",
    sa.column("source_ref", sa.String()),
    sa.column("terms", sa.Text()),
)
_documents = sa.table(
    "processed_documents",
    sa.column("source_ref", sa.String()),
    sa.column("document", sa.JSON().with_variant(JSONB(), "postgresql")),
)


def upgrade() -> None:
    bind = op.get_bind()
    query = (
        sa.select(_index.c.source_ref, _index.c.terms, _documents.c.document)
        .select_from(_index.join(_documents, _documents.c.source_ref == _index.c.source_ref))
        .order_by(_index.c.source_ref)
    )
    changed = []
    for row in bind.execute(query):
        terms = index_text(row.document.get("text_clean", ""))
        if terms != row.terms:
            changed.append({"ref": row.source_ref, "new_terms": terms})
    update = (
        sa.update(_index)
        .where(_index.c.source_ref == sa.bindparam("ref"))
        .values(terms=sa.bindparam("new_terms"))
    )
    for start in range(0, len(changed), _BATCH):
        bind.execute(update, changed[start : start + _BATCH])


def downgrade() -> None:
    """The new terms stay (see the module docstring)."""
