"""Query helpers shared by the apps: unique lookups without ordering, and hand-written reads and
inserts for hot paths (a prepared single-table SELECT or INSERT costs a fraction of the ORM's
per-call query compilation; on PostgreSQL they also run as prepared statements, see
:func:`hot_cursor`)."""

from __future__ import annotations

import json
import uuid
import weakref
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

# psycopg prepares nothing while a connection's prepare_threshold is None (Django's default, for
# connection poolers in transaction mode); a threshold no query reaches keeps automatic
# preparation off and lets the hot paths prepare their own statements explicitly.
_NEVER = 2**31 - 1


def hot_cursor(database=None):
    """A cursor for a hot path's few statement shapes (the helpers below, the permission engine).

    On PostgreSQL, unless ``DATABASE_PREPARED_STATEMENTS`` is off (behind a connection pooler in
    transaction mode that cannot keep them), every statement runs as a prepared statement with
    server-side parameters: planning an indexed lookup costs PostgreSQL more than running it. Only
    these statements are prepared. On SQLite, each statement's placeholders are converted once
    (:func:`_qmark`). Either way the driver's cursor is used through :class:`_HotCursor`, which
    keeps what Django's cursor wrapper guarantees on every statement (no statement after an error
    in a transaction that must roll back; driver errors raised as Django's) without its per-call
    layers. Elsewhere, with the setting off, while Django records queries (``DEBUG``, or a test
    capturing them: a prepared statement's text is not recorded) and while an execute wrapper is
    installed, Django's own cursor. Either way Django's per-request connection health check applies.
    """
    database = database or connections[DEFAULT_DB_ALIAS]
    if database.queries_logged or database.execute_wrappers:
        return database.cursor()
    vendor = database.vendor
    if vendor == "sqlite":
        database.close_if_health_check_failed()
        database.ensure_connection()
        database.validate_thread_sharing()
        with database.wrap_database_errors:
            return _HotCursor(database, database.connection.cursor(), _qmark)
    if vendor != "postgresql" or not settings.DATABASE_PREPARED_STATEMENTS:
        return database.cursor()
    database.close_if_health_check_failed()
    database.ensure_connection()
    database.validate_thread_sharing()
    raw = database.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _NEVER
    with database.wrap_database_errors:
        return _HotCursor(database, _PreparedCursor(raw), None)


class _HotCursor:
    """A driver cursor behind the two checks Django's ``CursorWrapper`` makes on every statement.

    ``execute`` refuses to run in a transaction marked for rollback, converts the statement's
    placeholders where the driver needs it, and raises driver errors as ``django.db`` errors;
    ``fetchone``/``fetchall`` and closing likewise wrap errors. Statements with named parameters
    on SQLite are converted as Django's SQLite cursor converts them."""

    __slots__ = ("_convert", "_cursor", "_database")

    def __init__(self, database, cursor, convert):
        self._database = database
        self._cursor = cursor
        self._convert = convert

    def execute(self, sql: str, params=None):
        database = self._database
        database.validate_no_broken_transaction()
        with database.wrap_database_errors:
            if self._convert is None:
                return self._cursor.execute(sql, params)
            if params is None:
                return self._cursor.execute(sql)
            if isinstance(params, Mapping):
                return self._cursor.execute(sql % {name: f":{name}" for name in params}, params)
            return self._cursor.execute(self._convert(sql), params)

    def fetchone(self):
        with self._database.wrap_database_errors:
            return self._cursor.fetchone()

    def fetchall(self):
        with self._database.wrap_database_errors:
            return self._cursor.fetchall()

    def close(self) -> None:
        try:
            self._cursor.close()
        except self._database.Database.Error:
            pass  # as Django's cursor: a connection closed meanwhile has closed its cursors

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# The hot statements' SQLite spelling (``?`` for ``%s``), keyed by Django's spelling.
_qmark_statements: dict[str, str] = {}
_QMARK_STATEMENTS_MAX = 256


def _qmark(sql: str) -> str:
    """``sql`` with Django's ``%s`` placeholders as SQLite's ``?``, converted once per statement
    (a regular-expression pass over the statement costs more than a short indexed lookup in
    SQLite's own statement cache)."""
    converted = _qmark_statements.get(sql)
    if converted is None:
        if len(_qmark_statements) >= _QMARK_STATEMENTS_MAX:
            _qmark_statements.clear()
        converted = _qmark_statements[sql] = FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return converted


try:
    import psycopg

    class _PreparedCursor(psycopg.Cursor):
        """Server-side parameter binding, and a prepared statement for every execution."""

        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True)

except ImportError:  # pragma: no cover - psycopg is a requirement; SQLite-only installs may lack it
    _PreparedCursor = None


def unique_row(queryset: QuerySet):
    """The row a lookup on a unique key finds, or ``None``.

    ``QuerySet.first()`` adds ``ORDER BY pk`` to an unordered query, which can make SQLite walk
    the primary key instead of using the unique index (a full scan on a large token table);
    this asks for at most one row with no ordering at all.
    """
    return next(iter(queryset.order_by()[:1]), None)


def raw_one(model, where: str, params: list):
    """One ``model`` row by a hand-written ``WHERE`` clause on an indexed column, or ``None``.

    For the few reads every request pays (a session by token, a flow by id, a client by id):
    the column list and Django's value converters (UUIDs, JSON, timestamps) are worked out once
    per model and connection, so a read costs the query and building the instance, not the ORM's
    query compilation, which costs more than the query itself. Pass values through :func:`db_value`.
    """
    rows = raw_all(model, where, params)
    return rows[0] if rows else None


def raw_all(model, where: str, params: list) -> list:
    """Every ``model`` row matching a hand-written ``WHERE`` clause (see :func:`raw_one`)."""
    database = connections[DEFAULT_DB_ALIAS]
    select, attnames, converters = _row_reader(database, model)
    with hot_cursor(database) as cursor:
        cursor.execute(select + where, params)
        rows = cursor.fetchall()
    return [_instance(database, model, attnames, converters, list(row)) for row in rows]


# (model, where, params) → (the row as read, the instance built from it); see raw_one_shared.
_shared_rows: dict[tuple, tuple[tuple, Any]] = {}
_SHARED_ROWS_MAX = 1024


def raw_one_shared(model, where: str, params: list):
    """:func:`raw_one` by a unique key, for a row read far more often than it changes (an OAuth2
    client, read at every token request). The row is read every time, so a change or a deletion
    counts at once; while it reads the same as last time, the instance built then is handed out
    again instead of being rebuilt (its JSON decoded, its timestamps parsed, ``Model.__init__``
    run). Like the instances Django's ``ContentType`` and ``Site`` caches hand out, it is shared
    between requests and threads: read it, never modify it."""
    database = connections[DEFAULT_DB_ALIAS]
    select, attnames, converters = _row_reader(database, model)
    with hot_cursor(database) as cursor:
        cursor.execute(select + where, params)
        row = cursor.fetchone()
    if row is None:
        return None
    row = tuple(row)
    key = (model, database.alias, where, tuple(params))
    remembered = _shared_rows.get(key)
    if remembered is not None and remembered[0] == row:
        return remembered[1]
    instance = _instance(database, model, attnames, converters, list(row))
    if len(_shared_rows) >= _SHARED_ROWS_MAX:
        _shared_rows.clear()
    _shared_rows[key] = (row, instance)
    return instance


def new_row(model, **values):
    """An unsaved ``model`` instance with these attribute values (``<name>_id`` for a foreign key)
    and every other field's default: what ``model(**kwargs)`` gives, built the way Django builds
    rows read from the database (``Model.__init__`` with positional values), which costs half
    as much as its keyword handling. Related objects are not cached on it; reading one queries."""
    row = [
        values.pop(field.attname) if field.attname in values else field.get_default()
        for field in model._meta.concrete_fields
    ]
    if values:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(values))}")
    return model(*row)


def raw_insert(instance) -> None:
    """INSERT a new ``instance`` as ``save()`` would (defaults and ``auto_now_add`` applied, values
    prepared by each field), with the statement and each column's preparation worked out once per
    model and connection instead of per call. For the few inserts a hot path pays; no
    ``pre_save``/``post_save`` signals."""
    database = connections[DEFAULT_DB_ALIAS]
    model = type(instance)
    prepared = _prepared(database)
    key = (model, "insert")
    statement = prepared.get(key)
    if statement is None:
        fields = model._meta.local_concrete_fields
        quote = database.ops.quote_name
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        statement = prepared[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})",  # noqa: S608
            [(field, field.attname, _computes_on_save(field), _save_preparer(database, field)) for field in fields],
        )
    sql, columns = statement
    values = [
        prepare(field.pre_save(instance, True) if computed else getattr(instance, attname))
        for field, attname, computed, prepare in columns
    ]
    with hot_cursor(database) as cursor:
        cursor.execute(sql, values)
    instance._state.adding = False
    instance._state.db = database.alias


def _computes_on_save(field) -> bool:
    """Whether ``field.pre_save`` does more than read the attribute (``auto_now``, a checksum)."""
    pre_save = type(field).pre_save
    if pre_save in (models.DateField.pre_save, models.DateTimeField.pre_save):
        return field.auto_now or field.auto_now_add
    return pre_save is not models.Field.pre_save


def _save_preparer(database, field):
    """A function giving what ``field.get_db_prep_save(value, database)`` gives, without Django's
    per-call dispatch for the value types hot inserts carry (text, UUIDs, aware datetimes, JSON
    objects); any other value, or field type, is prepared by Django itself."""

    def by_django(value):
        return field.get_db_prep_save(value, database)

    kind = type(field)
    if kind in (models.CharField, models.TextField):
        return lambda value: value if value is None or type(value) is str else by_django(value)
    target = field.target_field if kind in (models.ForeignKey, models.OneToOneField) else field
    if type(target) is models.UUIDField:
        native = database.features.has_native_uuid_field

        def uuid_value(value):
            if value is None:
                return None
            if type(value) is not uuid.UUID:
                return by_django(value)
            return value if native else value.hex

        return uuid_value
    sqlite = database.vendor == "sqlite"
    if kind is models.DateTimeField:
        if sqlite and settings.USE_TZ:
            # What Django's SQLite backend stores: the UTC (connection time zone) wall time as text.
            zone = database.timezone
            return lambda value: (
                str(value.astimezone(zone).replace(tzinfo=None))
                if type(value) is datetime and value.tzinfo is not None
                else by_django(value)
            )
        adapt = database.ops.adapt_datetimefield_value
        return lambda value: adapt(value) if type(value) is datetime and value.tzinfo is not None else by_django(value)
    if kind is models.JSONField:
        adapt, encoder = database.ops.adapt_json_value, field.encoder
        if sqlite:
            # Most token rows carry empty claims and audiences: their JSON text needs no encoder.
            empty = {dict: "{}", list: "[]"}
            return lambda value: (
                (adapt(value, encoder) if value else empty[type(value)]) if type(value) in empty else by_django(value)
            )
        return lambda value: adapt(value, encoder) if type(value) in (dict, list) else by_django(value)
    return by_django


def raw_one_related(model, where: str, params: list, related: tuple[str, ...]):
    """:func:`raw_one` with the rows some of its foreign keys point to, read in the same
    statement (one round trip instead of one per relation) and cached on the instance as
    ``select_related`` would. The table is aliased ``t``: qualify ``where``'s columns with it."""
    database = connections[DEFAULT_DB_ALIAS]
    select, parts = _related_reader(database, model, related)
    sql = f"{select} WHERE {where}"
    with hot_cursor(database) as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    start = 0
    instances = []
    for part_model, (_, attnames, converters), _ in parts:
        values = list(row[start : start + len(attnames)])
        start += len(attnames)
        instances.append(_instance(database, part_model, attnames, converters, values))
    instance = instances[0]
    for (_, _, field), related_instance in zip(parts[1:], instances[1:], strict=True):
        setattr(instance, field.name, related_instance)
    return instance


def _related_reader(database, model, related: tuple[str, ...]) -> tuple[str, list]:
    """The ``SELECT ... FROM <table> t LEFT JOIN ...`` of :func:`raw_one_related` and, for the
    row and each relation, its model, row reader and foreign key; built once per connection."""
    prepared = _prepared(database)
    key = (model, "related", related)
    reader = prepared.get(key)
    if reader is None:
        quote = database.ops.quote_name
        parts = [(model, _row_reader(database, model), None)]
        joins = []
        for position, name in enumerate(related):
            field = model._meta.get_field(name)
            alias = f"r{position}"
            parts.append((field.related_model, _row_reader(database, field.related_model), field))
            joins.append(
                f"LEFT JOIN {quote(field.related_model._meta.db_table)} {alias} "
                f"ON {alias}.{quote(field.target_field.column)} = t.{quote(field.column)}"
            )
        aliases = ["t", *(f"r{position}" for position in range(len(related)))]
        columns = ", ".join(
            f"{alias}.{quote(field.column)}"
            for alias, (part_model, _, _) in zip(aliases, parts, strict=True)
            for field in part_model._meta.concrete_fields
        )
        select = f"SELECT {columns} FROM {quote(model._meta.db_table)} t {' '.join(joins)}"  # noqa: S608
        reader = prepared[key] = (select, parts)
    return reader


def _instance(database, model, attnames: list[str], converters: list, values: list):
    """A model instance from one row's values (``None`` when a left join found no row)."""
    if all(value is None for value in values):
        return None
    for position, (functions, column) in converters:
        value = values[position]
        for function in functions:
            value = function(value, column, database)
        values[position] = value
    return model.from_db(database.alias, attnames, values)


# Per connection (each thread has its own): the statements and converters worked out so far.
_prepared_by_connection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _prepared(database) -> dict:
    """What the readers and :func:`raw_insert` worked out for this connection."""
    prepared = _prepared_by_connection.get(database)
    if prepared is None:
        prepared = _prepared_by_connection[database] = {}
    return prepared


def _row_reader(database, model) -> tuple[str, list[str], list]:
    """``SELECT <every column> FROM <table> WHERE``, the attribute names, and the converters
    Django applies to each column on this connection (what a compiled query would use)."""
    prepared = _prepared(database)
    reader = prepared.get(model)
    if reader is None:
        fields = model._meta.concrete_fields
        table = model._meta.db_table
        quote = database.ops.quote_name
        converters = []
        for position, field in enumerate(fields):
            column = field.get_col(table)
            functions = database.ops.get_db_converters(column) + column.get_db_converters(database)
            if functions:
                converters.append((position, (functions, column)))
        select = f"SELECT {', '.join(quote(field.column) for field in fields)} FROM {quote(table)} WHERE "  # noqa: S608
        reader = prepared[model] = (select, [field.attname for field in fields], converters)
    return reader


def prefill(instance, relation: str, rows: list) -> None:
    """Give ``instance.<relation>.all()`` these rows without a query, as ``prefetch_related``
    would have (Django keeps prefetched rows in ``_prefetched_objects_cache``)."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[relation] = queryset


def db_value(model, field_name: str, value):
    """``value`` as the database stores ``model.field_name`` (e.g. a UUID as hex text on SQLite)."""
    return model._meta.get_field(field_name).get_db_prep_value(value, connection)


def fetch_one(sql: str, params: list) -> tuple | None:
    """One row of a portable, parameterised SELECT on a hot path, or ``None``."""
    with hot_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def aware(value) -> datetime | None:
    """A timestamp column as an aware datetime: SQLite hands back UTC text, PostgreSQL datetimes."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value if timezone.is_aware(value) else timezone.make_aware(value, UTC)


def as_uuid(value) -> uuid.UUID:
    """A UUID column: SQLite stores 32 hex characters, PostgreSQL a native uuid."""
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def as_json(value, default: Any) -> Any:
    """A JSON column read raw: text on SQLite, already decoded on PostgreSQL."""
    if value is None:
        return default
    return json.loads(value) if isinstance(value, str | bytes) else value
