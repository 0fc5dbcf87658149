"""Pagination of SQLAlchemy selects for flask-smorest's ``@bp.paginate``."""

from __future__ import annotations

from typing import Any

from flask_smorest import Page
from sqlalchemy import Select, func, select

from registry.extensions import db

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# No list is this long; a larger OFFSET would not even bind on SQLite (64-bit integers).
MAX_OFFSET = 2**31


class SelectPage(Page):
    """Pages through a ``select()`` with COUNT and LIMIT/OFFSET."""

    collection: Select[Any]

    @property
    def items(self) -> list[Any]:
        if self.page_params.first_item > MAX_OFFSET:
            return []
        statement = self.collection.offset(self.page_params.first_item).limit(
            self.page_params.page_size
        )
        return list(db.session.scalars(statement))

    @property
    def item_count(self) -> int:
        counted = select(func.count()).select_from(self.collection.order_by(None).subquery())
        return int(db.session.scalar(counted) or 0)


def paginated(blueprint: Any) -> Any:
    """``@paginated(bp)``: the project's one pagination policy."""
    return blueprint.paginate(SelectPage, page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
