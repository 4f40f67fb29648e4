"""Offset pagination used by every list endpoint: ``?limit=&offset=`` in, ``Page`` out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

T = TypeVar("T")
MAX_PAGE_SIZE = 200


@dataclass(frozen=True)
class PageParams:
    limit: int
    offset: int


def _page_params(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Items to skip.")] = 0,
) -> PageParams:
    return PageParams(limit=limit, offset=offset)


PageParamsDep = Annotated[PageParams, Depends(_page_params)]


class Page(BaseModel, Generic[T]):
    items: list[T]
    limit: int
    offset: int
    next_offset: int | None

    @classmethod
    def of(cls, rows: list[T], params: PageParams) -> "Page[T]":
        """``rows`` holds up to limit+1 items: the extra one only tells that another page exists."""
        has_more = len(rows) > params.limit
        return cls(
            items=rows[: params.limit], limit=params.limit, offset=params.offset,
            next_offset=params.offset + params.limit if has_more else None,
        )
