"""Inserting many rows in few statements, for bulk imports and the audit trail's bulk append.

`Model.objects.bulk_create` prepares every value through its field (a few microseconds each, seconds
for a 100,000-row import) and, on SQLite, cuts the rows into statements of 999 parameters although
SQLite has taken 32,766 since 3.32. `insert` writes the same column values (auto_now fields set to
one time for all the rows, datetimes adapted by the backend as the ORM does) in statements as large
as the database accepts (COPY on PostgreSQL), and sets the primary keys. No signals are sent, as with
bulk_create, and no `save()` runs: the caller validates first. Inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from collections.abc import Sequence
from json.encoder import encode_basestring

from django.db import connection, models

# Values passed to the driver as they are; anything else goes through its field's get_db_prep_save.
_PLAIN = (str, int, float, bool, type(None))
_PLAIN_SET = frozenset({str, int, bool, type(None)})
_FLOATS = frozenset({float, type(None)})
_PLAIN_TYPES = {
    "AutoField", "BigAutoField", "BigIntegerField", "BooleanField", "CharField", "ForeignKey",
    "IntegerField", "OneToOneField", "PositiveBigIntegerField", "PositiveIntegerField",
    "PositiveSmallIntegerField", "SlugField", "SmallAutoField", "SmallIntegerField", "TextField",
}
POSTGRES_MAX_PARAMETERS = 65_535
MAX_ROWS_PER_STATEMENT = 5_000


def max_parameters() -> int:
    """Placeholders one statement may hold on this connection."""
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        try:
            return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        except AttributeError:  # Python < 3.11 has no getlimit
            return 999
    if connection.vendor == "postgresql":
        return POSTGRES_MAX_PARAMETERS
    return connection.features.max_query_params or 999


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence], *, returning: str = "") -> list:
    """INSERT `rows` (tuples of database-ready values, in `columns` order) into `table`; the
    `returning` column's values in row order, if asked (the order Django's bulk_create relies on).
    PostgreSQL: COPY. SQLite: without RETURNING, one prepared single-row INSERT run for every row
    (executemany, a loop in C); otherwise multi-row INSERTs as large as its parameter limit allows."""
    if not rows:
        return []
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    if connection.vendor == "postgresql":
        return _copy_rows(table, columns, rows, returning)
    if not returning and connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.executemany(head + one, rows)
        return []
    per_statement = max(1, min(MAX_ROWS_PER_STATEMENT, max_parameters() // len(columns)))
    tail = f" RETURNING {quote(returning)}" if returning else ""
    statements: dict[int, str] = {}
    returned: list = []
    if connection.vendor == "sqlite":
        # The sqlite3 connection itself (the same transaction), with its own "?" placeholders: Django's
        # cursor would rewrite %s to ? in every statement of tens of thousands of them.
        connection.ensure_connection()
        cursor = connection.connection.cursor()
        one = "(" + ", ".join(["?"] * len(columns)) + ")"
    else:
        cursor = connection.cursor()
    try:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start:start + per_statement]
            sql = statements.get(len(chunk))
            if sql is None:
                sql = statements[len(chunk)] = head + ", ".join([one] * len(chunk)) + tail
            cursor.execute(sql, [value for row in chunk for value in row])
            if returning:
                returned.extend(row[0] for row in cursor.fetchall())
    finally:
        cursor.close()
    return returned


def _copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence], returning: str) -> list:
    """PostgreSQL: COPY, the server's bulk load (psycopg adapts each value in C; a multi-row INSERT
    would be split and quoted in Python). The keys asked for are drawn from the column's sequence
    first, in one query, and copied with the rows."""
    quote = connection.ops.quote_name
    keys: list = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), returning, len(rows)],
            )
            keys = sorted(key for (key,) in cursor.fetchall())
            columns = [returning, *columns]
            rows = [(key, *row) for key, row in zip(keys, rows, strict=True)]
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    return keys


def _preparer(field: models.Field):
    """A function from a Python value to what the driver takes, as the field's get_db_prep_save
    gives, with a fast path for plain values."""
    if field.get_internal_type() == "FloatField":  # as FloatField.get_prep_value: numpy floats become floats
        return lambda value: value if value is None or type(value) is float else float(value)
    if field.get_internal_type() in _PLAIN_TYPES:
        def prepare(value, field=field):
            return value if isinstance(value, _PLAIN) else field.get_db_prep_save(value, connection)
        return prepare
    if field.get_internal_type() == "DateTimeField":
        adapt = connection.ops.adapt_datetimefield_value

        def prepare_datetime(value, field=field):
            if value is None:
                return None
            # get_prep_value returns an aware datetime as it is (and makes a naive one aware).
            aware = type(value) is dt.datetime and value.tzinfo is not None
            return adapt(value if aware else field.get_prep_value(value))
        return prepare_datetime
    return lambda value, field=field: field.get_db_prep_save(value, connection)


def _stamps(model: type[models.Model], fields: list[models.Field]) -> dict:
    """auto_now / auto_now_add values: one time for the whole insert, as its rows are written at once."""
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    if not stamped:
        return {}
    probe = model()
    return {field.attname: field.pre_save(probe, add=True) for field in stamped}


def insert(model: type[models.Model], objects: Sequence[models.Model]) -> None:
    """Insert unsaved instances of `model` (an auto-incremented primary key) and set their keys."""
    if not objects:
        return
    if not connection.features.can_return_rows_from_bulk_insert:
        model._base_manager.bulk_create(objects)
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    for name, stamp in _stamps(model, fields).items():
        for instance in objects:
            setattr(instance, name, stamp)
    keys = _insert_prepared(model, fields, [instance.__dict__ for instance in objects], {})
    alias = connection.alias
    for instance, key in zip(objects, keys, strict=True):
        instance.pk = key
        instance._state.adding = False
        instance._state.db = alias


def insert_values(model: type[models.Model], rows: Sequence[dict], *, prepared: dict | None = None) -> list:
    """Insert rows given as {attname: value} (no model instances: for imports of many thousands) and
    return their primary keys in order. Fields a row leaves out get their default (computed once) or
    their auto_now time; each dict is completed in place, so it holds every stored value afterwards.
    `prepared`: a dict to remember prepared values in, shared by calls whose rows share values (the
    times of an upload's subgroups and of their values)."""
    if not rows:
        return []
    meta = model._meta
    fields = [field for field in meta.concrete_fields if field is not meta.pk]
    fill = _stamps(model, fields)
    fill.update({field.attname: field.get_default() for field in fields
                 if field.attname not in rows[0] and field.attname not in fill})
    if fill:
        for row in rows:
            for name, value in fill.items():
                row.setdefault(name, value)
    if not connection.features.can_return_rows_from_bulk_insert:
        objects = model._base_manager.bulk_create([model(**row) for row in rows])
        return [instance.pk for instance in objects]
    return _insert_prepared(model, fields, rows, {} if prepared is None else prepared)


def instances(model: type[models.Model], rows: Sequence[dict], keys: Sequence) -> list[models.Model]:
    """Model instances of rows just written by insert_values (completed, with their `keys`), as if
    read back, without a query (Model.from_db, the ORM's quick path for loaded rows)."""
    fields = model._meta.concrete_fields
    pk = model._meta.pk
    names = [field.attname for field in fields]
    alias = connection.alias
    return [
        model.from_db(alias, names, [key if field is pk else row[field.attname] for field in fields])
        for key, row in zip(keys, rows, strict=True)
    ]


def _insert_prepared(model: type[models.Model], fields: list[models.Field], rows: Sequence[dict],
                     remembered: dict) -> list:
    """Column by column: a column of plain values (str, int, bool, None; floats for a float field) goes
    as it is, a column of times or other values through its field's preparation, each distinct value
    once (remembered, in `remembered`, by field or for times by field type, and by value type and value)."""
    columns = []
    for field in fields:
        column = [row[field.attname] for row in rows]
        kinds = set(map(type, column))
        internal = field.get_internal_type()
        if internal == "FloatField" and kinds <= _FLOATS:
            pass  # what the field's preparation gives for floats and None
        elif internal not in _PLAIN_TYPES or not kinds <= _PLAIN_SET:
            prepare = _preparer(field)
            if len(kinds - {type(None)}) > 1:  # 1, 1.0 and True are one key but not one value
                column = [prepare(value) for value in column]
            else:
                try:
                    distinct = set(column)
                except TypeError:  # unhashable values (a JSON field)
                    column = [prepare(value) for value in column]
                else:
                    # A time is prepared alike for any time field; anything else by its own field.
                    owner = internal if internal == "DateTimeField" else field
                    known = remembered.setdefault((owner, *sorted(map(str, kinds))), {})
                    for value in distinct - known.keys():
                        known[value] = prepare(value)
                    column = list(map(known.__getitem__, column))
        columns.append(column)
    table = list(zip(*columns, strict=True))
    meta = model._meta
    keys = insert_rows(meta.db_table, [field.column for field in fields], table, returning=meta.pk.column)
    if len(keys) != len(rows):
        raise RuntimeError(f"{len(rows)} rows inserted into {meta.db_table}, {len(keys)} keys returned.")
    return keys


# --- Creation events for rows inserted in bulk -------------------------------------------------------


def record_created(actor, model: type[models.Model], rows: Sequence[tuple], *, event: str, encodings=None) -> range:
    """Append one "create" event per new record of a regulated `model` (rows of (id, label,
    {attname: stored value})): the version, the content hash of the stored state and, as changes,
    every audited field that is set ({attname: [None, value]}), as `record()` would be given them for
    each. The JSON texts are assembled column by column from each value's encoding (remembered for
    the values a column repeats: times, sources, users), byte for byte what canonical.dumps gives
    (tests/core/test_audit_bulk.py checks it); a column that holds one value in every row is written
    once into a template that each row's text is formatted from: a 100,000-row import neither
    encodes 100,000 dictionaries twice nor joins 100,000 lists of fragments. `encodings`: the
    (encode, known) pair of `_fragments()` to share between calls whose rows share values (the
    subgroups and the values of one upload share their times)."""
    from qualitas.core.audit.services import AuditEntry, record_many
    from qualitas.core.records import key_for
    from qualitas.core.regulated import audited_fields

    if not rows:
        return record_many(actor, [])
    fields = sorted(audited_fields(model), key=lambda field: field.attname)
    names = [field.attname for field in fields]
    stored = [row for _id, _label, row in rows]
    encodings = encodings or _fragments()
    columns = [_encode_column([row[name] for row in stored], encodings) for name in names]
    versions = [int(row["version"]) for row in stored]
    states, changes = _assemble([encode_basestring(name) for name in names], columns, len(rows))
    record_type = key_for(model)
    sha256 = hashlib.sha256
    # AuditEntry(action, event, instance, record_type, record_id, record_label, record_version, changes,
    # reason, content_hash), positionally: a 100,000-row import builds 100,000 of them. The content is
    # canonical.dumps({"version": v, "state": {...}}): sort_keys puts "state" first, its keys in order.
    entries = [
        AuditEntry("create", event, None, record_type, record_id, label[:300], version,
                   f"{{{change}}}" if change else None, "",
                   sha256(f'{{"state":{{{state}}},"version":{version}}}'.encode()).hexdigest())
        for (record_id, label, _row), version, state, change in zip(rows, versions, states, changes, strict=True)
    ]
    return record_many(actor, entries)


def _encode_column(values: list, encodings) -> tuple[list[str], list[bool]]:
    """Each value's canonical JSON text (canonical.dumps(canonical.to_primitive(value))) and whether
    `record_create` lists it among the changes (its primitive is not None, "" or False; 0 == False)."""
    texts: list[str] = []
    listed: list[bool] = []
    add_text, add_listed = texts.append, listed.append
    encode, known = encodings
    remembered = known.get
    for value in values:
        kind = type(value)
        if kind is str:
            add_text(encode_basestring(value))
            add_listed(value != "")
        elif kind is int:
            add_text(int.__repr__(value))
            add_listed(value != 0)
        elif kind is float:
            add_text(f'"{value!r}"')  # a float is its repr, as a string (which needs no escaping)
            add_listed(True)
        elif value is None:
            add_text("null")
            add_listed(False)
        elif kind is bool:
            add_text("true" if value else "false")
            add_listed(value)
        else:
            try:
                primitive, text = remembered((kind, value)) or encode(value)
            except TypeError:  # unhashable (a JSON field's list or dict)
                primitive, text = encode(value)
            add_text(text)
            add_listed(primitive not in (None, "", False))
    return texts, listed


def _assemble(keys: list[str], columns: list[tuple[list[str], list[bool]]], count: int) -> tuple[list[str], list[str]]:
    """Per row, the state's members ("key":text, …) and the changes' members ("key":[null,text], …, only
    the listed ones). Columns with one text (and one listing) in every row go into a %-template once."""
    state_parts, change_parts = [], []
    state_columns, change_columns = [], []
    uniform_listing = True
    for key, (texts, listed) in zip(keys, columns, strict=True):
        first_text, first_listed = texts[0], listed[0]
        same = texts.count(first_text) == count
        name = key.replace("%", "%%")
        if same:
            state_parts.append(f"{name}:{first_text.replace('%', '%%')}")
        else:
            state_parts.append(f"{name}:%s")
            state_columns.append(texts)
        if listed.count(first_listed) != count:
            uniform_listing = False
        elif first_listed:
            if same:
                change_parts.append(f"{name}:[null,{first_text.replace('%', '%%')}]")
            else:
                change_parts.append(f"{name}:[null,%s]")
                change_columns.append(texts)
    state_template = ",".join(state_parts)
    states = ([state_template % values for values in zip(*state_columns, strict=True)] if state_columns
              else [state_template] * count)
    if uniform_listing:
        change_template = ",".join(change_parts)
        if change_columns:
            return states, [change_template % values for values in zip(*change_columns, strict=True)]
        return states, [change_template] * count
    # Some column is listed in some rows only: each row's members joined in turn.
    cells = [[f"{key}:[null,{text}]" if on else "" for text, on in zip(texts, listed, strict=True)]
             for key, (texts, listed) in zip(keys, columns, strict=True)]
    return states, [",".join(filter(None, row)) for row in zip(*cells, strict=True)]


def _fragments():
    """value -> (its canonical primitive, that primitive's JSON text), remembered (in the dict also
    returned, by type and value: 1, 1.0 and True are one key but not one text) for the values rows
    share; floats, which rarely repeat, are encoded each time."""
    from qualitas.core.audit import canonical

    known: dict = {}

    def encode(value):
        kind = type(value)
        if kind is float:
            text = repr(value)  # canonical.to_primitive: a float is its repr, as a string
            return text, encode_basestring(text)
        primitive = canonical.to_primitive(value)
        if type(primitive) is str:
            text = encode_basestring(primitive)  # what json.dumps(ensure_ascii=False) writes for a string
        elif type(primitive) is int:
            text = int.__repr__(primitive)  # and for an int
        else:
            text = canonical.dumps(primitive)
        found = (primitive, text)
        try:
            known[(kind, value)] = found
        except TypeError:  # a list or a dict (a JSON field): not remembered
            pass
        return found

    return encode, known
