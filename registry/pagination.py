"""Pagination of SQLAlchemy selects for flask-smorest's ``@bp.paginate``."""

from __future__ import annotations

from typing import Any

from apispec import APISpec
from flask_smorest import Page
from flask_smorest.pagination import PaginationMetadataSchema
from sqlalchemy import Select, func, select

from registry.extensions import db

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# No list is this long; a larger OFFSET would not even bind on SQLite (64-bit integers).
MAX_OFFSET = 2**31

# flask-smorest writes the metadata into X-Pagination as JSON text; this is that header as sent.
PAGINATION_HEADER = {
    "description": "Pagination metadata as JSON text: total, total_pages, first_page, last_page, "
    "page, and previous_page/next_page where there is one",
    "schema": {
        "type": "string",
        "contentMediaType": "application/json",
        "contentSchema": {"$ref": "#/components/schemas/PaginationMetadata"},
    },
    "example": '{"total": 42, "total_pages": 3, "first_page": 1, "last_page": 3, "page": 1, '
    '"next_page": 2}',
}


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


def declare_pagination_header(spec: APISpec) -> None:
    """Declare X-Pagination as the string of JSON it is, before any operation refers to it.

    flask-smorest declares the header an object, which OpenAPI reads as ``total,42,page,1``
    (the simple style of headers); what it sends is ``{"total": 42, "page": 1}``.
    """
    if "PaginationMetadata" not in spec.components.schemas:
        spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
    spec.components.header("PAGINATION", PAGINATION_HEADER, lazy=True)
