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


def referenced(model, pk, field: str):
    """The `model` row a payload refers to by id (None stays None); an unknown id is a 400 on `field`."""
    from django.core.exceptions import ValidationError

    if pk is None:
        return None
    instance = model.objects.filter(pk=pk).first()
    if instance is None:
        raise ValidationError({field: f"No {model._meta.verbose_name} with id {pk}."})
    return instance


def active_user(pk, field: str = "owner_id"):
    """The active user a payload refers to by id (None stays None); unknown or deactivated is a 400."""
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ValidationError

    if pk is None:
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise ValidationError({field: "Unknown or deactivated user."})
    return user
