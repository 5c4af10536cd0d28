"""Bounded API parameter types: database integers are 64-bit, so larger numbers from a client are
a 422 with a reason rather than an overflow deep in the database driver. Dates of records start in
1900, and PATCH bodies refuse an explicit null where the field cannot be cleared."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import UnionType
from typing import Annotated, ClassVar, Union, get_args, get_origin

from ninja import Field, Path, Query, Schema
from ninja.pagination import LimitOffsetPagination
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, BeforeValidator, ConfigDict, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

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
    user = get_user_model().objects.people().filter(pk=pk).first()
    if user is None:
        raise ValidationError({field: "Unknown or deactivated user."})
    return user


# --- Dates ------------------------------------------------------------------------------------------

EARLIEST_DATE = dt.date(1900, 1, 1)


def _not_before_1900(value):
    day = value.date() if isinstance(value, dt.datetime) else value
    if day < EARLIEST_DATE:
        raise PydanticCustomError(
            "date_too_early", "Dates before {earliest} are not accepted.", {"earliest": str(EARLIEST_DATE)}
        )
    return value


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_text(value):
    """Dates come as ISO 8601 text ("2026-12-01", "2026-12-01T08:30:00Z"), as the schema says: a
    number is not read as seconds since 1970."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise PydanticCustomError("date_format", "Use an ISO 8601 date (YYYY-MM-DD), not {value!r}.",
                                  {"value": value})
    return value


# A calendar date or a moment of a quality record (detected on, due, effective, taken at): never
# before 1900, which in a QMS is always a typing error (and year 1 breaks time-zone arithmetic).
Date = Annotated[dt.date, BeforeValidator(_iso_text), AfterValidator(_not_before_1900)]
DateTime = Annotated[dt.datetime, BeforeValidator(_iso_text), AfterValidator(_not_before_1900)]


# --- PATCH bodies -------------------------------------------------------------------------------------

NOT_NULL = "May not be null: omit the field to leave it unchanged."
NOT_AN_OBJECT = "The request body must be a JSON object."


class BodySchema(Schema):
    """Base of every request body: it must be a JSON object. (ninja's Schema reads attributes of
    whatever it is given, so without this a list or a string became a body of defaults.)"""

    @model_validator(mode="before")
    @classmethod
    def _body_is_an_object(cls, data):
        raw = data._obj if isinstance(data, DjangoGetter) else data  # ninja wraps the input first
        if isinstance(raw, cls):
            return data
        if not isinstance(raw, dict):
            raise PydanticCustomError("model_type", NOT_AN_OBJECT)
        for name, field in cls.model_fields.items():
            key = field.alias or name
            if key in raw and (problem := _json_type_problem(field.annotation, raw[key])):
                raise PydanticCustomError("json_type", "{field}: {problem}", {"field": key, "problem": problem})
        return data


def _kinds(annotation) -> set:
    """The plain types an annotation admits (through Optional, unions and Annotated)."""
    if get_origin(annotation) is Annotated:
        return _kinds(get_args(annotation)[0])
    if get_origin(annotation) in (Union, UnionType):
        return set().union(*(_kinds(arg) for arg in get_args(annotation)))
    return {annotation}


def _json_type_problem(annotation, value) -> str | None:
    """pydantic's lax mode reads `0` as false and `false` as 0; JSON has booleans, so a yes/no field
    takes true or false and a number field takes a number."""
    kinds = _kinds(annotation)
    if bool in kinds and kinds <= {bool, type(None)} and value is not None and not isinstance(value, bool):
        return "must be true or false."
    if isinstance(value, bool) and bool not in kinds and kinds & {int, float, Decimal}:
        return "must be a number, not true or false."
    return None


class PatchSchema(BodySchema):
    """Base of every PATCH (and PUT) body. Fields are declared `X | None = None`, where None means
    "absent, leave unchanged"; an explicit JSON `null` is only accepted for a field that can really
    be cleared: its column on `model` is nullable, or it is listed in `nullable`. Everything else is
    a 422 naming the field, instead of a NOT NULL error from the database."""

    model: ClassVar[type | None] = None  # the Django model the fields map to (`owner_id` -> `owner`)
    # `version` is required: every change names the version it was made on (optimistic locking).
    nullable: ClassVar[frozenset[str]] = frozenset()

    model_config = ConfigDict(json_schema_extra=lambda schema, cls: cls._drop_null_from_schema(schema))

    @field_validator("*", mode="before")
    @classmethod
    def _explicit_null(cls, value, info: ValidationInfo):
        if value is None and info.field_name not in cls.nullable_fields():
            raise PydanticCustomError("not_null", NOT_NULL)
        return value

    @classmethod
    def model_field_for(cls, name: str):
        """The model field behind schema field `name` (`site_id` -> `site`, `team_ids` -> `team`), or None."""
        from django.core.exceptions import FieldDoesNotExist

        if cls.model is None:
            return None
        meta = cls.model._meta
        candidates = [name]
        if name.endswith("_ids"):
            candidates += [name[:-4], name[:-4] + "s", name[:-3] + "s"]
        elif name.endswith("_id"):
            candidates.append(name[:-3])
        for candidate in candidates:
            try:
                return meta.get_field(candidate)
            except FieldDoesNotExist:
                continue
        return None

    @classmethod
    def nullable_fields(cls) -> frozenset[str]:
        cached = cls.__dict__.get("_nullable_cache")
        if cached is not None:
            return cached
        names = set()
        for name in cls.model_fields:
            field = cls.model_field_for(name)
            if name in cls.nullable or (field is not None and field.null and not field.many_to_many):
                names.add(name)
        cached = frozenset(names)
        cls._nullable_cache = cached
        return cached

    @classmethod
    def _drop_null_from_schema(cls, schema: dict) -> None:
        """The OpenAPI document says what the validator enforces: no `null` for those fields."""
        nullable = cls.nullable_fields()
        for name, prop in schema.get("properties", {}).items():
            if name in nullable or "anyOf" not in prop:
                continue
            options = [option for option in prop["anyOf"] if option != {"type": "null"}]
            if len(options) == len(prop["anyOf"]):
                continue
            del prop["anyOf"]
            if len(options) == 1:
                prop.update(options[0])
            else:
                prop["anyOf"] = options
            if prop.get("default", "") is None:
                del prop["default"]
