"""Fast inserts for imports of many rows (100k service episodes in seconds).

Django's `bulk_create` on SQLite sends at most 999 parameters per statement (58 episodes), and
prepares every field of every object through the model layer; for 100k rows that is most of an
import's time. `insert_rows` writes plain tuples instead: one prepared INSERT for all rows
(`executemany`) on SQLite, `COPY … FROM STDIN` on PostgreSQL. Each value is adapted the way the
field itself would adapt it (dates, datetimes, UUIDs, JSON, encrypted text), so the rows written
are the same as `bulk_create`'s. It returns nothing (no primary keys): callers that need the
new rows' ids use `bulk_create`.
"""

import os
from collections.abc import Iterable

from django.db import connection, models
from django.utils import timezone

from ctip.core.fields import EncryptedTextField


def _adapter(field: models.Field):
    """How one field's Python value becomes a database parameter (as Django would do it)."""
    ops = connection.ops
    if isinstance(field, EncryptedTextField | models.JSONField | models.UUIDField):
        return lambda value: field.get_db_prep_save(value, connection)
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


def random_uuid_hex() -> str:
    """A random (version 4) UUID as 32 hex digits, without building a `uuid.UUID` (whose
    constructor was a tenth of an import's time). Both engines take this text: SQLite stores
    UUIDs so, PostgreSQL's COPY parses it."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


def insert_rows(
    model: type[models.Model],
    columns: list[str],
    rows: Iterable[tuple],
    *,
    chunk_size: int = 5000,
) -> int:
    """INSERT ``rows``, tuples of values for ``columns`` (attnames), and return how many.

    Every other column takes its constant: `auto_now`/`auto_now_add` fields the current time, a
    UUID field a new UUID per row, the rest their default (or NULL). No signals, no `save()`:
    for the bulk paths of services only.
    """
    fields = {f.attname: f for f in model._meta.concrete_fields if not f.primary_key}
    given = [fields[name] for name in columns]
    adapters = [(i, _adapter(f)) for i, f in enumerate(given) if _adapter(f) is not None]
    now = timezone.now()
    constant_fields, constants, uuid_fields = [], [], []
    for name, field in fields.items():
        if name in columns:
            continue
        if isinstance(field, models.UUIDField):
            uuid_fields.append(field)
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        elif field.has_default():
            value = field.get_default()
        else:
            value = None
        adapt = _adapter(field)
        constant_fields.append(field)
        constants.append(adapt(value) if adapt and value is not None else value)
    order = [*given, *constant_fields, *uuid_fields]
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in order)

    def prepared(row):
        values = list(row)
        for index, adapt in adapters:
            if values[index] is not None:
                values[index] = adapt(values[index])
        values.extend(constants)
        values.extend(random_uuid_hex() for _field in uuid_fields)
        return values

    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY takes the rows as a stream: far less work for the server than INSERTs.
            # Foreign keys are checked as the rows arrive rather than queued to the commit.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(prepared(row))
                    count += 1
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            return count
        placeholders = ", ".join(["%s"] * len(order))
        sql = f"INSERT INTO {table} ({names}) VALUES ({placeholders})"  # noqa: S608 (names from the model, values as parameters)
        chunk = []
        for row in rows:
            chunk.append(prepared(row))
            if len(chunk) >= chunk_size:
                cursor.executemany(sql, chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count
