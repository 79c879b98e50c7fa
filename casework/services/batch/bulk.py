"""The bulk writer of the batch door: ids reserved up front, rows sent as plain tuples in one
``COPY`` per table (one ``executemany`` on other databases), values prepared as an insert
prepares them."""

import functools
import itertools
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Model
from django.utils import timezone

# Fields whose get_db_prep_save on PostgreSQL is the attribute's value itself (checked and
# converted by the model's field checks): read as they are, nothing to prepare.
PLAIN_FIELDS = (models.AutoField, models.BigAutoField, models.CharField, models.TextField,
                models.IntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField, models.SmallIntegerField, models.BigIntegerField,
                models.BooleanField, models.DateField, models.DateTimeField)


@functools.cache
def filled(model: type[Model], *own: str) -> tuple[str, ...]:
    """The columns a row of ``model`` fills: ``own`` first, then every other concrete field
    but the moments the insert stamps (auto_now, auto_now_add)."""
    rest = [field.attname for field in model._meta.concrete_fields
            if field.attname not in own and not stamps(field)]
    return (*own, *rest)


def stamps(field: Any) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def is_plain(field: Any) -> bool:
    from django_fsm import FSMField

    if field.is_relation:
        field = field.target_field
    return type(field) in PLAIN_FIELDS or type(field) is FSMField


def prepared(obj: Model, attnames: tuple[str, ...]) -> tuple[Any, ...]:
    """The instance's values of ``attnames`` as the insert sends them (get_db_prep_save,
    only where a field prepares its value: JSON, an encrypted identifier, another backend)."""
    db = connections[DEFAULT_DB_ALIAS]
    values_of, preparing = _reader(type(obj), attnames, db.vendor)
    values = values_of(obj)
    if not preparing:
        return values
    listed = list(values)
    for position, field in preparing:
        listed[position] = db_value(field, listed[position], db)
    return tuple(listed)


@functools.cache
def _reader(model: type[Model], attnames: tuple[str, ...],
            vendor: str) -> tuple[Callable[[Any], tuple[Any, ...]], tuple[tuple[int, Any], ...]]:
    """One getter of the attnames' values (operator.attrgetter: the same getattr of each, in
    one call), and the fields that prepare theirs, by position (``preparers``)."""
    values_of: Callable[[Any], tuple[Any, ...]]
    if len(attnames) < 2:  # attrgetter of one name gives the value itself, not a tuple
        values_of = functools.partial(_one_by_one, attnames)
    else:
        values_of = operator.attrgetter(*attnames)
    preparing = tuple((position, field) for position, (_name, field)
                      in enumerate(preparers(model, attnames, vendor)) if field is not None)
    return values_of, preparing


def _one_by_one(attnames: tuple[str, ...], obj: Any) -> tuple[Any, ...]:
    return tuple(getattr(obj, name) for name in attnames)


def db_value(field: Any, value: Any, db: Any) -> Any:
    """field.get_db_prep_save(value); on PostgreSQL a JSON value as its text, encoded now
    (get_db_prep_save wraps it, and the COPY would encode it again for every row)."""
    if db.vendor == "postgresql" and isinstance(field, models.JSONField) and value is not None:
        return json.dumps(value, cls=field.encoder, ensure_ascii=False)
    return field.get_db_prep_save(value, db)


@functools.cache
def preparers(model: type[Model], attnames: tuple[str, ...], vendor: str) -> list[tuple[str, Any]]:
    """Each attname with its field, or None where the value goes as it is."""
    return [(field.attname, None if vendor == "postgresql" and is_plain(field) else field)
            for field in fields_of(model, attnames)]


def fields_of(model: type[Model], attnames: Sequence[str]) -> list[Any]:
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def copies() -> bool:
    """Whether copy_rows sends its rows by ``COPY`` (PostgreSQL)."""
    return connections[DEFAULT_DB_ALIAS].vendor == "postgresql"


def copy_texts(values: tuple[Any, ...]) -> tuple[Any, ...]:
    """``values`` as a PostgreSQL ``COPY`` takes them, each date and moment as its ISO text
    (the column reads it back as the same day or instant): for values repeated in many rows,
    formatted once (psycopg's adapter takes some 4 µs a moment, 1 µs a date, against a
    fraction of one for a text). Elsewhere (executemany) the values as they are."""
    if not copies():
        return values
    return tuple(value.isoformat() if isinstance(value, date) else value for value in values)


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` primary keys of ``model``'s table, taken now, as ``count`` inserts would take them."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The sequence named once (pg_get_serial_sequence is stable, not immutable: in the
            # select list it would look the sequence up again for every id).
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
                           [_sequence(connection.settings_dict["NAME"], table), count])
            return [row[0] for row in cursor.fetchall()]
        # SQLite: the table's AUTOINCREMENT counter; the write lock is held (the counter above).
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        cursor.execute(f'SELECT MAX(id) FROM "{table}"')  # noqa: S608 - a model's table name
        last = max(row[0] if row else 0, cursor.fetchone()[0] or 0)
    return list(range(last + 1, last + count + 1))


@functools.cache
def _sequence(database: str, table: str) -> str:
    """The sequence of ``table``'s id column in ``database`` (the default connection's)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        return str(cursor.fetchone()[0])


class Shared(tuple[Any, ...]):
    """The last values of many rows of one ``copy_rows`` call, the same for all of them (a
    clock's columns after its ids, a measure task's after its own): given as one object, the
    last item of each row, they are formatted as ``COPY`` text once, not once per row."""


def shared(obj: Model, attnames: tuple[str, ...]) -> Shared:
    """The instance's values of ``attnames`` as the insert sends them (``prepared``), its
    dates and moments as text (``copy_texts``), to end many rows of one ``copy_rows``."""
    return Shared(copy_texts(prepared(obj, attnames)))


def copy_rows(model: type[Model], filled: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` of ``model`` (values of the ``filled`` attnames, as get_db_prep_save
    gives them) with one ``COPY`` on PostgreSQL; returns how many.

    The fields not filled take what an insert gives them: the moment for auto_now and
    auto_now_add (one per call), else their default, prepared once. Other databases: one
    executemany of an INSERT.

    Rows whose last item is a ``Shared`` (then every row's is) are written as ``COPY`` text
    made here (``copy_line``: each shared tail formatted once), where every value is of a
    type it writes; else as plain rows, their shared values spread out.
    """
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself, not the per-thread proxy
    fields = fields_of(model, filled)
    others = [field for field in model._meta.concrete_fields if field.attname not in filled]
    stamped = [field for field in others if stamps(field)]
    defaulted = [field for field in others if not stamps(field)]
    for field in defaulted:
        if field.primary_key or (callable(field.default) and field.default not in (dict, list)):
            raise ValueError(f"{model.__name__}.{field.name} needs a value in each row")
    now = timezone.now()
    tail = copy_texts((*(field.get_db_prep_save(now, db) for field in stamped),
                       *(db_value(field, field.get_default(), db) for field in defaulted)))
    columns = ", ".join(db.ops.quote_name(field.column) for field in [*fields, *stamped, *defaulted])
    table = db.ops.quote_name(model._meta.db_table)
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return 0
    rows = itertools.chain([first], rows)
    if first and isinstance(first[-1], Shared):
        text = None
        if db.vendor == "postgresql":
            listed = list(rows)
            text = _copy_text(listed, tail)
            rows = iter(listed)
        if text is None:  # spread out: each row its shared values
            rows = ((*row[:-1], *row[-1]) for row in rows)
        else:
            with db.wrap_database_errors, db.cursor() as cursor:
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - model metadata
                    copy.write(text)
            return len(listed)
    count = 0
    with db.wrap_database_errors, db.cursor() as cursor:
        if db.vendor != "postgresql":
            adapt = _adapter(db)
            marks = ", ".join(["%s"] * (len(fields) + len(tail)))
            values = [[adapt(value) for value in (*row, *tail)] for row in rows]
            if values:
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)  # noqa: S608 - model metadata
            return len(values)
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608 - model metadata
            write = copy.write_row
            for row in rows:
                write((*row, *tail))
                count += 1
    return count


# COPY's text format (PostgreSQL's COPY FROM, the default format): a value's special
# characters as their backslash escapes, a NULL as \N, a boolean as t or f.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n",
                               "\r": "\\r", "\t": "\\t", "\v": "\\v"})


def copy_line(values: Iterable[Any]) -> str | None:
    """``values`` as the columns of one line of ``COPY`` text (tab-separated, no newline), or
    None where one is not text, an int, a boolean or None (written by psycopg instead)."""
    parts = []
    for value in values:
        if value is None:
            parts.append("\\N")
        elif value is True or value is False:
            parts.append("t" if value else "f")
        elif type(value) is int:
            parts.append(str(value))
        elif isinstance(value, str):
            parts.append(value.translate(_COPY_ESCAPES))
        else:
            return None
    return "\t".join(parts)


def _copy_text(rows: list[Sequence[Any]], tail: tuple[Any, ...]) -> str | None:
    """The rows (each ending with a Shared) and the call's tail as ``COPY`` text, each shared
    tail formatted once; None where a value is not one copy_line writes."""
    end = copy_line(tail)
    if end is None:
        return None
    end = f"\t{end}\n" if tail else "\n"
    shared_texts: dict[int, tuple[Shared, str]] = {}  # id → (the tail, kept alive; its text)
    lines = []
    for row in rows:
        shared = row[-1]
        if not isinstance(shared, Shared):
            raise TypeError("every row of a copy_rows call ends with a Shared, or none does")
        found = shared_texts.get(id(shared))
        if found is None:
            shared_text = copy_line(shared)
            if shared_text is None:
                return None
            found = shared_texts[id(shared)] = (shared, shared_text)
        own = copy_line(row[:-1])
        if own is None:
            return None
        if len(row) > 1 and shared:  # both say columns: a tab between them
            lines.append(f"{own}\t{found[1]}{end}")
        else:
            lines.append(f"{own}{found[1]}{end}")
    return "".join(lines)


def _adapter(db: Any) -> Callable[[Any], Any]:
    """A row value as the backend's driver takes it (dates and moments as the fields adapt them)."""
    def adapt(value: Any) -> Any:
        if isinstance(value, datetime):
            return db.ops.adapt_datetimefield_value(value)
        if isinstance(value, date):
            return db.ops.adapt_datefield_value(value)
        return value
    return adapt
