"""Write many rows in ONE statement each, without Django's per-value SQL building.

On PostgreSQL the rows travel as a single JSON parameter — `[[v1, v2, …], …]`, encoded by orjson (several times
faster than the json module's C encoder on a chunk's rows) — and the database unpacks them with
`jsonb_array_elements`, casting each cell to its column's type:

- `objects_insert(objs)`: `INSERT … SELECT … FROM jsonb_array_elements(%s)`;
- `objects_insert_new(objs, unique_field=…)`: the same with `ON CONFLICT (key) DO NOTHING RETURNING id, key`,
  so the unique key stays the arbiter between racing writers, as for a single INSERT;
- `values_update(model=…, fields=…, rows=…)`: `UPDATE … FROM (…jsonb_array_elements…) WHERE pk = …`.

Why: `bulk_create` sends `UNNEST(%s::type[], …)` arrays that psycopg quotes value by value in Python, and
`bulk_update` builds a `CASE WHEN` expression per row and field; for a chunk of a few hundred journal
entries these were the largest Python costs of the pipeline (docs/PIPELINE.md, "Where the time goes").

Other databases (SQLite for the embedded default) get the same results through the ORM and `VALUES` lists.
Dates, times, decimals and UUIDs travel as their full-precision text, which the casts read back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

import orjson
from django.db import connection, models, transaction
from django.db.models import Model


def _default(o):
    """Full-precision text for what the casts read back (DjangoJSONEncoder would cut microseconds). orjson
    writes datetimes, dates, times and UUIDs itself, as the same ISO text; this is for the rest."""
    if isinstance(o, datetime | date | time):
        return o.isoformat()
    if isinstance(o, Decimal | UUID):
        return str(o)
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


def _encode(rows: list) -> str:
    # Subclasses of str and int (Django's choices) pass through as their value; dict keys that are not text
    # become text, as with the json module.
    return orjson.dumps(rows, default=_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS
                        ).decode()


def _fields(model: type[Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _values(obj: Model, fields: Sequence[models.Field]) -> list:
    """What bulk_create would store for `obj`: pre_save (auto_now) where a field has one, else the attribute."""
    return _rows([obj], fields)[0]


def _rows(objs: Sequence[Model], fields: Sequence[models.Field]) -> list[list]:
    """_values of every object; which fields need pre_save is worked out once, not per object and field."""
    plan = [(field, field.attname, bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)))
            for field in fields]
    return [[field.pre_save(obj, add=True) if stamped else getattr(obj, attname) for field, attname, stamped in plan]
            for obj in objs]


def _cells(fields: Sequence[models.Field]) -> str:
    """The SELECT list that turns JSON array `e` back into typed columns, one cast per field. A JSON null in
    a JSON column becomes SQL NULL, as Django stores None there."""
    cells = []
    for n, field in enumerate(fields):
        if isinstance(field, models.JSONField):
            cells.append(f"NULLIF(e->{n}, 'null'::jsonb)")
        else:
            cells.append(f"CAST(e->>{n} AS {field.db_type(connection)})")
    return ", ".join(cells)


def _source(fields: Sequence[models.Field]) -> str:
    return f"SELECT {_cells(fields)} FROM jsonb_array_elements(CAST(%s AS jsonb)) AS rows_(e)"


def objects_insert(objs: Sequence[Model]) -> None:
    """Insert `objs` (unsaved, all of one model) in one statement; their primary keys are not read back."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs)
        return
    fields = _fields(model)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(model._meta.db_table)} ({columns}) {_source(fields)}",
                       [_encode(_rows(objs, fields))])


def objects_insert_new(objs: Sequence[Model], *, unique_field: str) -> list[Model]:
    """Insert those of `objs` whose `unique_field` value is not stored yet; return them (in the order given)
    with their primary keys set. The others (already stored, or stored meanwhile by a concurrent insert) are
    skipped without an error. Objects whose unique value is None cannot conflict and are always inserted.
    The values of `unique_field` among `objs` must be distinct (callers settle repeats within a batch)."""
    if not objs:
        return []
    model = type(objs[0])
    keyed = [o for o in objs if getattr(o, unique_field) is not None]
    keyless = [o for o in objs if getattr(o, unique_field) is None]
    with transaction.atomic():
        if keyless:
            model.objects.bulk_create(keyless)
        inserted = _insert_new(model, keyed, unique_field) if keyed else []
    by_key = {getattr(obj, unique_field): obj for obj in keyed}
    created = {id(o) for o in keyless}
    for pk, key in inserted:
        obj = by_key[key]
        obj.pk = pk
        obj._state.adding, obj._state.db = False, connection.alias
        created.add(id(obj))
    return [o for o in objs if id(o) in created]


def _insert_new(model: type[Model], objs: Sequence[Model], unique_field: str) -> list[tuple]:
    fields = _fields(model)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(f.column) for f in fields)
    tail = (f"ON CONFLICT ({quote(model._meta.get_field(unique_field).column)}) DO NOTHING "
            f"RETURNING {quote(model._meta.pk.column)}, {quote(model._meta.get_field(unique_field).column)}")
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"INSERT INTO {table} ({columns}) {_source(fields)} {tail}",
                           [_encode(_rows(objs, fields))])
            return cursor.fetchall()
        # SQLite ≥ 3.35 knows ON CONFLICT … RETURNING; 500 rows per statement stay below its parameter limit.
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(objs), 500):
            part = objs[start:start + 500]
            params = [f.get_db_prep_save(v, connection) for obj in part for f, v in zip(fields, _values(obj, fields),
                                                                                         strict=True)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([placeholder] * len(part))} {tail}",
                           params)
            rows.extend(cursor.fetchall())
    return rows


def values_update(*, model: type[Model], fields: Sequence[str], rows: Iterable[Sequence[Any]],
                  constants: dict[str, Any] | None = None) -> int:
    """Update many rows, each with its own values, in one statement. `rows` are (pk, value of fields[0], …);
    `constants` are set on every one of those rows. Returns the number of rows updated."""
    rows = list(rows)
    if not rows:
        return 0
    quote = connection.ops.quote_name
    meta = model._meta
    model_fields = [meta.pk, *(meta.get_field(name) for name in fields)]
    names = ["pk_", *(f"v{n}" for n in range(len(fields)))]
    table = quote(meta.db_table)
    assignments = [f"{quote(field.column)} = v.{name}" for field, name in zip(model_fields[1:], names[1:], strict=True)]
    set_params = []
    for name, value in (constants or {}).items():
        field = meta.get_field(name)
        assignments.append(f"{quote(field.column)} = %s")
        set_params.append(field.get_db_prep_save(value, connection))
    where = f"WHERE {table}.{quote(meta.pk.column)} = v.pk_"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE {table} SET {', '.join(assignments)} FROM ({_source(model_fields)}) "
                           f"AS v ({', '.join(names)}) {where}", [*set_params, _encode([list(row) for row in rows])])
            return cursor.rowcount
        # SQLite ≥ 3.33 (UPDATE … FROM): the values as a VALUES list, whose columns SQLite names column1, ….
        params = [field.get_db_prep_save(value, connection) for row in rows
                  for field, value in zip(model_fields, row, strict=True)]
        row_sql = "(" + ", ".join(["%s"] * len(model_fields)) + ")"
        assignments = [f"{quote(field.column)} = v.column{n}" for n, field in enumerate(model_fields[1:], start=2)]
        assignments += [f"{quote(meta.get_field(name).column)} = %s" for name in (constants or {})]
        cursor.execute(f"UPDATE {table} SET {', '.join(assignments)} FROM (VALUES {', '.join([row_sql] * len(rows))}) "
                       f"AS v WHERE {table}.{quote(meta.pk.column)} = v.column1", set_params + params)
        return cursor.rowcount
