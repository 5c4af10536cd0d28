"""Bounded API parameter types: database integers are 64-bit, so larger numbers from a client are
a 422 with a reason rather than an overflow deep in the database driver."""

from __future__ import annotations

from typing import Annotated

from ninja import Field, Path, Query, Schema
from ninja.pagination import LimitOffsetPagination

MAX_ID = 2**63 - 1
MAX_OFFSET = 10**9

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(None, ge=1, le=MAX_ID)]


class Pagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=500)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)
