"""Fixed SQL for the statements every transition issues: built once per process, not per call.

The ORM compiles a query each time it runs it (``setup_joins``, the compiler, the field
list) and ``Model.save()`` walks its signals and parents: for the dozen statements of one
step that was most of the engine's time (docs/benchmarks.md, "Transition"). These helpers
issue the same statements from SQL text built once per (model, shape) from the model's
fields, through the connection's cursor, and turn the rows into model instances the way
the ORM does (each field's database converters, ``Model.from_db``): the domain rules see
the same objects, the rows written are the same.

What they do not do: send ``pre_save``/``post_save`` or run a ``save()`` override (they are
used only for models without either: ``FIXED_SQL_MODELS`` and every model a transition is
taken on; tests/casework/test_fixed_sql.py checks it), or route: they use the ``default``
connection, the one every write and every transaction uses.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, TypeAlias, TypeVar

from django.conf import settings
from django.db import DatabaseError, connection, models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute

M = TypeVar("M", bound=models.Model)

# Models the hot path writes with these helpers instead of save(), besides the models a
# transition is taken on: none may have a pre_save/post_save receiver or a save() override.
FIXED_SQL_MODELS = (
    "casework.Objection", "casework.AuditEvent", "casework.AuditHead", "workflows.Deadline",
    "workflows.DeadlineEvent", "notifications.Message", "notifications.Delivery",
)

Converter = Callable[[Any, Any, Any], Any]
_reads: dict[tuple[Any, ...], tuple[str, Reader]] = {}
# A written field: the field, its attribute, the types of the values written as they are and
# how value_of checks them.
Written: TypeAlias = "tuple[models.Field[Any, Any], str, tuple[type, ...], int]"
_inserts: dict[tuple[Any, ...], tuple[str, list[Written]]] = {}
_updates: dict[tuple[Any, ...], tuple[str, list[Written]]] = {}


def cursor_for_fixed_sql() -> Any:
    """A cursor of the ``default`` connection for a fixed statement (Django's wrapper: execute
    wrappers and query logging see it as any other).

    On PostgreSQL with psycopg 3 its statements are bound on the server and prepared from their
    second run on the connection: parsed and planned once per connection and statement text,
    then only bound and run (psycopg keeps up to ``prepared_max`` of them per connection, the
    least used deallocated). A statement run once (an insert of an unusual number of rows) is
    not prepared: preparing costs a round trip of its own, and a slot. Django's own
    cursors bind on the client and send every statement as new text, parsed and planned anew
    each time: for one objection accept (a lock of four joined tables, two statements of
    data-modifying CTEs) that was about 40 % of the database server's CPU (docs/benchmarks.md,
    "Statements of one objection accept"). Only the fixed SQL is prepared: its
    texts are few and constant, the ORM's are not. ``DB_PREPARED_STATEMENTS=0`` turns it off
    (a pooler that cannot keep prepared statements); psycopg drops them all on a rollback.
    """
    if connection.vendor != "postgresql" or not settings.DB_PREPARED_STATEMENTS:
        return connection.cursor()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns psycopg's preparing off (None: nothing is prepared, even when asked);
        # a threshold no statement reaches keeps psycopg from preparing by its own count (which
        # every statement of the connection shares, the ORM's too) and lets this cursor's
        # prepare=True be honoured. Django's cursors bind on the client and never prepare.
        raw.prepare_threshold = _NOT_BY_COUNT
    with connection.wrap_database_errors:
        return connection._prepare_cursor(_prepared_cursor_class()(raw))  # type: ignore[attr-defined]  # Django's own, unstubbed


_NOT_BY_COUNT = 2**62
# The fixed statements each connection has run (their texts): one is prepared from its second run.
_run_once: weakref.WeakKeyDictionary[Any, set[Any]] = weakref.WeakKeyDictionary()


def _prepared_cursor_class() -> type:
    global _PREPARED_CURSOR
    if _PREPARED_CURSOR is None:
        import psycopg

        class PreparedCursor(psycopg.Cursor[Any]):
            """psycopg's cursor (server-side binding), which prepares a statement from its
            second run on the connection."""

            def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None,
                        binary: bool | None = None) -> Any:
                if prepare is None:
                    seen = _run_once.get(self.connection)
                    if seen is None:
                        seen = _run_once[self.connection] = set()
                    prepare = query in seen
                    if not prepare:
                        seen.add(query)
                return super().execute(query, params, prepare=prepare, binary=binary)

            def _convert_query(self, query: Any, params: Any = None) -> Any:
                # Django's query log (last_executed_query) reads _query, which psycopg sets
                # only for a statement it does not run prepared.
                converted = super()._convert_query(query, params)
                self._query = converted
                return converted

        _PREPARED_CURSOR = PreparedCursor
    return _PREPARED_CURSOR


_PREPARED_CURSOR: type | None = None


def quoted(name: str | None) -> str:
    assert name, "a concrete column"
    return connection.ops.quote_name(name)


def for_update(of: str = "") -> str:
    """`` FOR UPDATE [OF of]`` where the database locks rows (SQLite does not: nothing)."""
    features = connection.features
    if not features.has_select_for_update:
        return ""
    return f" FOR UPDATE OF {of}" if of and features.has_select_for_update_of else " FOR UPDATE"


def columns(model: type[models.Model], names: Sequence[str] | None = None) -> list[models.Field[Any, Any]]:
    """The concrete fields of ``model`` (all, or those of ``names``: attnames or names)."""
    fields = list(model._meta.concrete_fields)
    if names is not None:
        wanted = set(names)
        fields = [field for field in fields if field.attname in wanted or field.name in wanted
                  or field.primary_key]
    return fields


def select_list(model: type[models.Model], fields: list[models.Field[Any, Any]], alias: str) -> str:
    table = alias or model._meta.db_table
    return ", ".join(f"{quoted(table)}.{quoted(field.column)}" for field in fields)


def converters_of(field: models.Field[Any, Any], alias: str) -> list[Converter]:
    """The converters the ORM applies to this field's column (backend's, then the field's)."""
    col = field.get_col(alias or field.model._meta.db_table)
    return [*connection.ops.get_db_converters(col), *field.get_db_converters(connection)]


class Reader:
    """Rows of one or more models read by one fixed statement, made into instances."""

    def __init__(self, parts: list[tuple[type[models.Model], list[models.Field[Any, Any]], str]]) -> None:
        self.parts: list[tuple[type[models.Model], list[str], int, int,
                               list[tuple[int, list[Converter]]], list[models.Field[Any, Any]], bool]] = []
        start = 0
        for model, fields, alias in parts:
            convert = [(i, converters_of(field, alias)) for i, field in enumerate(fields)]
            self.parts.append((model, [field.attname for field in fields], start, start + len(fields),
                               [(i, found) for i, found in convert if found], fields, plain_init(model)))
            start += len(fields)

    def instances(self, row: Sequence[Any]) -> list[models.Model | None]:
        """One instance per part, or None where the part's primary key is NULL (an outer join)."""
        found: list[models.Model | None] = []
        for model, attnames, start, end, convert, fields, plain in self.parts:
            values = list(row[start:end])
            if values[0] is None and fields[0].primary_key:
                found.append(None)
                continue
            for i, converter_list in convert:
                value = values[i]
                for converter in converter_list:
                    value = converter(value, fields[i], connection)
                values[i] = value
            if plain and not (signals.pre_init.has_listeners(model)
                              or signals.post_init.has_listeners(model)):
                found.append(from_row(model, attnames, values))
            else:
                found.append(model.from_db("default", attnames, values))
        return found


# The descriptors of a field's attribute that a model's __init__ sets as plainly as writing the
# instance's __dict__ on a new instance (a key's clears a cached related object: none yet).
# (Field.descriptor_class is DeferredAttribute: importing that name upsets django-stubs' plugin,
# which then mistypes Case(*args) in casework/services/batch/determinations.py.)
_PLAIN_DESCRIPTORS: tuple[type, ...] = (models.Field.descriptor_class, ForeignKeyDeferredAttribute)


def plain_init(model: type[models.Model]) -> bool:
    """Whether ``Model.from_db`` of ``model`` does no more than ``from_row``: ``Model.__init__``
    (no override, no ``__init__`` of a mixin) and, for every concrete field, a descriptor that
    stores the value as it is (django-fsm's state field too, when it has no state proxies)."""
    from django_fsm import FSMFieldDescriptor

    if any("__init__" in vars(cls) for cls in model.__mro__ if cls not in (models.Model, object)):
        return False
    for field in model._meta.concrete_fields:
        descriptor = getattr(model, field.attname, None)
        if type(descriptor) in _PLAIN_DESCRIPTORS:
            continue
        if type(descriptor) is FSMFieldDescriptor and not getattr(field, "state_proxy", None):
            continue  # its __set__ stores the value under the field's name when it is not set yet
        return False
    return True


def from_row(model: type[M], attnames: list[str], values: list[Any]) -> M:
    """What ``model.from_db("default", attnames, values)`` returns, built without
    ``Model.__init__`` (for a ``plain_init`` model without pre_init/post_init receivers): the
    values in the instance's ``__dict__``, the fields not read deferred."""
    new = model.__new__(model)
    state = ModelState()
    state.adding, state.db = False, "default"
    new._state = state
    new.__dict__.update(zip(attnames, values, strict=True))
    return new


def select(model: type[M], where: str, params: Sequence[Any], *, lock: bool = False,
           order_by: str = "", fields: Sequence[str] | None = None) -> list[M]:
    """``SELECT <fields> FROM <model's table> WHERE <where> [ORDER BY] [FOR UPDATE]`` as instances.

    ``where`` and ``order_by`` are constant SQL of the caller (column names of the table,
    ``%s`` for ``params``); ``fields`` limits the columns (the others are deferred).
    """
    key = (model, where, lock, order_by, tuple(fields) if fields is not None else None)
    cached = _reads.get(key)
    if cached is None:
        chosen = columns(model, fields)
        sql = (f"SELECT {select_list(model, chosen, '')} FROM {quoted(model._meta.db_table)} "
               f"WHERE {where}" + (f" ORDER BY {order_by}" if order_by else "")
               + (for_update() if lock else ""))
        _reads[key] = cached = (sql, Reader([(model, chosen, "")]))
    sql, reader = cached
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [reader.instances(row)[0] for row in rows]  # type: ignore[misc]


def select_joined(key: str, build: Callable[[], tuple[str, Reader]], params: Sequence[Any]
                  ) -> list[list[models.Model | None]]:
    """A statement of several models' columns (``build`` returns its SQL and Reader once per
    process, cached under ``key``): each row as one instance per model."""
    cached = _joined.get(key)
    if cached is None:
        _joined[key] = cached = build()
    sql, reader = cached
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [reader.instances(row) for row in rows]


_joined: dict[str, tuple[str, Reader]] = {}


def insert(objs: Sequence[M]) -> list[M]:
    """``INSERT`` the unsaved ``objs`` (all of one model), a statement per ``ROWS_PER_INSERT``; sets
    their keys.

    Each field's value as ``save()`` would write it: ``pre_save`` (``auto_now_add``), then
    ``get_db_prep_save``. The primary key is the database's (``RETURNING``).
    """
    objs = list(objs)
    for start in range(0, len(objs), ROWS_PER_INSERT):
        _insert(objs[start:start + ROWS_PER_INSERT])
    return objs


# Rows per INSERT statement: a sweep's digests may write thousands of deliveries, and one
# statement text is cached per row count (at most this many per model).
ROWS_PER_INSERT = 100


def _insert(objs: list[M]) -> None:
    sql, params = _insert_statement(objs)
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(sql, params)
        keys = cursor.fetchall()
    _inserted(objs, [key for (key,) in keys])


def _insert_statement(objs: list[M]) -> tuple[str, list[Any]]:
    sql, fields_written = _insert_sql(type(objs[0]), len(objs))
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert")  # type: ignore[attr-defined]
    return sql, [value_of(obj, field, True) for obj in objs for field in fields_written]


def _insert_sql(model: type[models.Model], count: int) -> tuple[str, list[Written]]:
    """The INSERT of ``count`` rows of ``model`` (every concrete field but the key), once per process."""
    key = (model, count)
    cached = _inserts.get(key)
    if cached is None:
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        pk = model._meta.pk
        assert pk is not None
        sql = (f"INSERT INTO {quoted(model._meta.db_table)} "
               f"({', '.join(quoted(field.column) for field in fields)}) "
               f"VALUES {', '.join([row] * count)} RETURNING {quoted(pk.column)}")
        _inserts[key] = cached = (sql, [written(field) for field in fields])
    return cached


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> list[Any]:
    """``insert`` of rows given as their values by attname, without model instances (for rows
    that are only written); their primary keys, in order.

    The statements and values are ``insert``'s: a field not given takes its default, as a new
    instance's would (``get_default()``), ``pre_save`` runs (``auto_now_add``: the time now),
    then ``get_db_prep_save``. A foreign key is given as the saved row's id (``message_id``), so
    there is no related instance for ``save()``'s check of unsaved ones to look at.
    """
    constant, called = _defaults(model)
    keys: list[Any] = []
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start:start + ROWS_PER_INSERT]
        sql, fields_written = _insert_sql(model, len(chunk))
        params: list[Any] = []
        for row in chunk:
            values = _Values({**constant, **{name: field.get_default() for name, field in called
                                             if name not in row}, **row})
            params += [value_of(values, field, True) for field in fields_written]
        with cursor_for_fixed_sql() as cursor:
            cursor.execute(sql, params)
            keys += [key for (key,) in cursor.fetchall()]
    return keys


class _Values:
    """A row's values by attname, read (and, by ``auto_now_add``'s ``pre_save``, written) as an
    instance's attributes."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values


def _defaults(model: type[models.Model]) -> Defaults:
    """The fields' defaults of a new instance, once per model: those that are the same for every
    instance (a constant, None or ""), and the fields whose default is called for each one."""
    found = _model_defaults.get(model)
    if found is None:
        for field in model._meta.concrete_fields:
            if type(field).pre_save not in _PLAIN_PRE_SAVE:
                raise TypeError(f"{model.__name__}.{field.name}: a pre_save insert_values cannot run")
        fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        per_row = [field for field in fields if field.has_default() and callable(field.default)]
        called = [(field.attname, field) for field in per_row]
        constant = {field.attname: field.get_default() for field in fields if field not in per_row}
        _model_defaults[model] = found = (constant, called)
    return found


Defaults: TypeAlias = "tuple[dict[str, Any], list[tuple[str, models.Field[Any, Any]]]]"
_model_defaults: dict[type[models.Model], Defaults] = {}
# pre_save methods that read the attribute, or set it to the time now (auto_now, auto_now_add).
_PLAIN_PRE_SAVE = (models.Field.pre_save, models.DateField.pre_save, models.DateTimeField.pre_save)


def _inserted(objs: Sequence[models.Model], keys: Sequence[Any]) -> None:
    for obj, pk_value in zip(objs, keys, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = "default"


def insert_and_update(new: models.Model, saved: models.Model, names: Iterable[str]) -> int:
    """``insert([new])`` and ``update(saved, names, missing_ok=True)`` in one statement on
    PostgreSQL (two data-modifying CTEs: one round trip), in two elsewhere; the rows updated."""
    if connection.vendor != "postgresql":
        insert([new])
        return update(saved, names, missing_ok=True)
    insert_sql, insert_params = _insert_statement([new])
    update_sql, update_params = _update_statement(saved, tuple(names))
    pk = type(new)._meta.pk
    assert pk is not None
    sql = (f"WITH inserted AS ({insert_sql}), updated AS ({update_sql} RETURNING 1) "
           f"SELECT (SELECT {quoted(pk.column)} FROM inserted), (SELECT count(*) FROM updated)")
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(sql, [*insert_params, *update_params])
        key, count = cursor.fetchone()
    _inserted([new], [key])
    return int(count)


def value_of(obj: Any, field: Written, add: bool) -> Any:  # a model instance, or _Values
    """The field's value as ``save()`` writes it: ``pre_save``, then ``get_db_prep_save``. A value
    these would return as it is is taken as it is: None; an ``int`` of an integer field, a
    ``bool`` of a boolean field, an ``int`` key; any ``str`` of a text field (a choices enum's
    member too: ``to_python`` keeps a ``str``); and on PostgreSQL, whose backend passes dates
    and date-times to the driver unchanged, a ``date`` of a date field and an aware
    ``datetime`` of a date-time field (neither ``auto_now`` nor ``auto_now_add``)."""
    model_field, attname, plain, mode = field
    if plain:
        value = getattr(obj, attname)
        if value is None:
            return value
        if mode == _TEXT:
            if isinstance(value, str):
                return value
        elif type(value) in plain and (mode != _AWARE or value.utcoffset() is not None):
            return value
    return model_field.get_db_prep_save(model_field.pre_save(obj, add), connection)


# Field classes (exactly these: a subclass may convert) whose ``pre_save`` reads the attribute
# and whose ``get_db_prep_save`` returns None and a value of these types unchanged.
_PLAIN: dict[type, tuple[type, ...]] = {
    models.IntegerField: (int,), models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,), models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,), models.PositiveBigIntegerField: (int,),
    models.BooleanField: (bool,),
}
# Text fields: ``get_prep_value`` is ``to_python``, which returns any ``str`` as it is.
_TEXT_FIELDS = (models.CharField, models.SlugField, models.TextField, models.EmailField)
# How value_of checks a plain value: its exact type; any str; an exact datetime that is aware.
_EXACT, _TEXT, _AWARE = 0, 1, 2


def written(field: models.Field[Any, Any]) -> Written:
    mode = _EXACT
    if type(field) is models.ForeignKey:  # the key's value is the target column's
        target = field.target_field
        plain: tuple[type, ...] = (int,) if type(target) in (models.AutoField, models.BigAutoField) else ()
    elif type(field) in _TEXT_FIELDS:
        plain, mode = (str,), _TEXT
    elif (type(field) in (models.DateField, models.DateTimeField) and connection.vendor == "postgresql"
          and not (field.auto_now or field.auto_now_add)):  # type: ignore[attr-defined]  # date fields
        # The PostgreSQL backend's adapt_date(time)field_value returns the value; a naive
        # date-time takes the slow path (Django warns and makes it aware).
        if type(field) is models.DateField:
            plain = (date,)
        else:
            plain, mode = (datetime,), _AWARE
    else:
        plain = _PLAIN.get(type(field), ())
    return field, field.attname, plain, mode


def update(obj: models.Model, names: Iterable[str], *, missing_ok: bool = False) -> int:
    """``UPDATE`` the fields ``names`` of the saved ``obj``; the number of rows updated. As
    ``save(update_fields=…)``, raise when there was no row, unless ``missing_ok``."""
    sql, params = _update_statement(obj, tuple(names))
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(sql, params)
        count = cursor.rowcount
    if count == 0 and not missing_ok:
        raise DatabaseError("Save with update_fields did not affect any rows.")
    return count


def _update_statement(obj: models.Model, names: tuple[str, ...]) -> tuple[str, list[Any]]:
    model = type(obj)
    key = (model, names)
    cached = _updates.get(key)
    if cached is None:
        by_name = {field.attname: field for field in model._meta.concrete_fields}
        by_name.update({field.name: field for field in model._meta.concrete_fields})
        fields = [by_name[name] for name in names]
        pk = model._meta.pk
        assert pk is not None
        sql = (f"UPDATE {quoted(model._meta.db_table)} SET "
               f"{', '.join(f'{quoted(field.column)} = %s' for field in fields)} "
               f"WHERE {quoted(pk.column)} = %s")
        _updates[key] = cached = (sql, [written(field) for field in fields])
    sql, fields_written = cached
    return sql, [*(value_of(obj, field, False) for field in fields_written), obj.pk]


def write_together(updates: Sequence[tuple[models.Model, tuple[str, ...]]], parents: Sequence[models.Model],
                   children: Sequence[models.Model] = (), link: str = "", *,
                   missing_ok: bool = False) -> list[int]:
    """``update`` each of ``updates``, ``insert`` ``parents`` and then ``children``: one statement on
    PostgreSQL (data-modifying CTEs, one round trip), in that order elsewhere; sets the keys.

    ``children`` are rows of one model whose foreign key ``link`` is a saved row or one of
    ``parents`` (its key then comes from that parent's own CTE, ``(SELECT id FROM p<n>)``). The
    CTEs touch different rows, so the order PostgreSQL runs them in changes nothing; the
    children's foreign keys are checked at the end of the statement, when every row is there.
    Returns the rows each update changed; raises as ``update`` does when a row to update is
    gone, unless ``missing_ok``.
    """
    if not children and not parents:
        return [update(obj, names, missing_ok=missing_ok) for obj, names in updates]
    link_field: Any = type(children[0])._meta.get_field(link) if children else None
    links = tuple(_parent_index(link_field, child, parents) for child in children)
    if connection.vendor != "postgresql":
        counts = [update(obj, names, missing_ok=missing_ok) for obj, names in updates]
        insert(parents)
        for child, index in zip(children, links, strict=True):
            if index is not None:
                setattr(child, link_field.attname, parents[index].pk)
        insert(children)
        return counts
    key = (tuple((type(obj), names) for obj, names in updates), tuple(type(p) for p in parents),
           type(children[0]) if children else None, links)
    cached = _together.get(key)
    params: list[Any] = []
    for obj, names in updates:
        params += _update_statement(obj, names)[1]
    for parent in parents:
        params += _insert_statement([parent])[1]
    if children:
        params += _children_params(children, link_field, links)
    if cached is None:
        _together[key] = cached = _together_statement(updates, parents, children, link_field, links)
    with cursor_for_fixed_sql() as cursor:
        cursor.execute(cached, params)
        row = cursor.fetchone()
    counts, keys, child_keys = row[:len(updates)], row[len(updates):len(updates) + len(parents)], row[-1]
    if not missing_ok and any(count == 0 for count in counts):
        raise DatabaseError("Save with update_fields did not affect any rows.")
    _inserted(parents, keys)
    if children:
        for child, index in zip(children, links, strict=True):
            if index is not None:
                setattr(child, link_field.attname, parents[index].pk)
        _inserted(children, child_keys)
    return [int(count) for count in counts]


_together: dict[tuple[Any, ...], str] = {}


def _parent_index(link_field: Any, child: models.Model, parents: Sequence[models.Model]) -> int | None:
    """Which of ``parents`` (the same instance) the child's ``link`` holds; None: a saved row."""
    target = link_field.get_cached_value(child, None)
    for index, parent in enumerate(parents):
        if parent is target:
            return index
    if target is not None and target.pk is None:
        raise ValueError(f"{type(child).__name__}.{link_field.name} is an unsaved row not written here")
    return None


def _pk_column(model: type[models.Model]) -> str:
    pk = model._meta.pk
    assert pk is not None
    return quoted(pk.column)


def _children_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _children_params(children: Sequence[models.Model], link_field: Any, links: tuple[int | None, ...]
                     ) -> list[Any]:
    fields = [written(field) for field in _children_fields(type(children[0]))]
    others = [field for field in type(children[0])._meta.concrete_fields if field is not link_field]
    params: list[Any] = []
    for child, index in zip(children, links, strict=True):
        # Django's own check of the related rows (not in its stubs, as in _insert_statement); a
        # child of a parent written here is checked for its other relations only.
        prepare = child._prepare_related_fields_for_save  # type: ignore[attr-defined]  # unstubbed
        prepare(operation_name="insert", fields=others if index is not None else None)
        for field in fields:
            if field[0] is link_field and index is not None:
                continue  # the parent's CTE gives it
            params.append(value_of(child, field, True))
    return params


def _together_statement(updates: Sequence[tuple[models.Model, tuple[str, ...]]],
                        parents: Sequence[models.Model], children: Sequence[models.Model],
                        link_field: Any, links: tuple[int | None, ...]) -> str:
    ctes = [f"u{n} AS ({_update_statement(obj, names)[0]} RETURNING 1)"
            for n, (obj, names) in enumerate(updates)]
    ctes += [f"p{n} AS ({_insert_statement([parent])[0]})" for n, parent in enumerate(parents)]
    selected = [f"(SELECT count(*) FROM u{n})" for n in range(len(updates))]
    selected += [f"(SELECT {_pk_column(type(parent))} FROM p{n})" for n, parent in enumerate(parents)]
    if children:
        model = type(children[0])
        fields = _children_fields(model)
        rows = []
        for index in links:
            values = [f"(SELECT {_pk_column(type(parents[index]))} FROM p{index})"
                      if field is link_field and index is not None else "%s" for field in fields]
            rows.append(f"({', '.join(values)})")
        pk = _pk_column(model)
        ctes.append(f"c AS (INSERT INTO {quoted(model._meta.db_table)} "
                    f"({', '.join(quoted(field.column) for field in fields)}) "
                    f"VALUES {', '.join(rows)} RETURNING {pk})")
        selected.append(f"ARRAY(SELECT {pk} FROM c)")
    else:
        selected.append("NULL")
    return f"WITH {', '.join(ctes)} SELECT {', '.join(selected)}"
