"""Batched reads of relation tuples for one evaluation.

The engine asks about *nodes* ``(namespace, object, relation)``: is the subject in the node
directly, and which subject sets does the node contain? :class:`TupleReader` answers for many
nodes in one SQL statement and remembers the answers for the rest of the evaluation, so a check
costs one round trip per level of subject-set nesting, not one per node.

It never loads the subject ids of a node (a relation with a million users costs nothing): only
the subject's own tuple and the subject sets, and at most ``max_width`` rows per statement.

The SQL is portable (SQLite, PostgreSQL, CockroachDB): plain ``SELECT`` with ``=``, ``IN``,
``OR`` and ``LIMIT``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections

from permissions_app.models import RelationTuple
from permissions_app.tuples import Subject, SubjectID, SubjectSet

Node = tuple[str, str, str]  # (namespace, object, relation)

# Objects per statement: well below SQLite's parameter limit, small enough for fast plans.
CHUNK_SIZE = 400


@dataclass(slots=True)
class NodeTuples:
    """What one node holds, as far as the evaluation needs to know."""

    direct: bool = False  # the tuple node@subject exists
    children: list[SubjectSet] = field(default_factory=list)  # subject sets with a relation
    leaves: list[SubjectSet] | None = None  # subject sets without a relation (None: not read)
    truncated: bool = False  # a read hit the width limit: the lists may be incomplete

    def has_subject_sets(self) -> bool | None:
        if self.children:
            return True
        return None if self.leaves is None else bool(self.leaves)


_COLUMNS = "namespace, object, relation, subject_id, subject_set_namespace, subject_set_object, subject_set_relation"
_SUBJECT_ID = "subject_id = %s"
_SUBJECT_SET = (
    "(subject_id = '' AND subject_set_namespace = %s AND subject_set_object = %s AND subject_set_relation = %s)"
)
_EXPANDABLE = "(subject_id = '' AND subject_set_relation <> '')"
_ANY_SET = "subject_id = ''"
# SQL text by (table, subject kind, shape of the groups): the engine sends a few shapes over and over.
_sql_cache: dict[tuple, str] = {}


def _statement(table: str, by_id: bool, shape: tuple[tuple[int, int, bool], ...]) -> str:
    key = (table, by_id, shape)
    sql = _sql_cache.get(key)
    if sql is None:
        subject = _SUBJECT_ID if by_id else _SUBJECT_SET
        parts = []
        for leaves in (False, True):
            conditions = [
                f"(namespace = %s AND object IN ({', '.join(['%s'] * objects)}) "
                f"AND relation IN ({', '.join(['%s'] * relations)}))"
                for objects, relations, group_leaves in shape
                if group_leaves is leaves
            ]
            if conditions:
                parts.append(f"(({' OR '.join(conditions)}) AND ({subject} OR {_ANY_SET if leaves else _EXPANDABLE}))")
        # Only the quoted table name is interpolated; every value is a parameter.
        sql = f"SELECT {_COLUMNS} FROM {table} WHERE {' OR '.join(parts)} LIMIT %s"  # noqa: S608
        if len(_sql_cache) > 2000:
            _sql_cache.clear()
        _sql_cache[key] = sql
    return sql


class TupleReader:
    """Reads nodes for the subject of one evaluation and caches them."""

    def __init__(self, subject: Subject, *, max_width: int, using: str = "default"):
        self.subject = subject
        self.max_width = max_width
        self.using = using
        self.nodes: dict[Node, NodeTuples] = {}
        self.statements = 0
        self._table = connections[using].ops.quote_name(RelationTuple._meta.db_table)
        self._by_id = isinstance(subject, SubjectID)
        self._subject_params: list[str] = (
            [subject.id] if self._by_id else [subject.namespace, subject.object, subject.relation]
        )

    def get(self, node: Node) -> NodeTuples:
        return self.nodes[node]

    def load(self, nodes: Iterable[Node], *, leaves: bool = False) -> None:
        """Make sure ``nodes`` are read (with their relation-less subject sets if ``leaves``)."""
        if leaves:
            self.load_mixed((), nodes)
        else:
            self.load_mixed(nodes, ())

    def load_mixed(self, nodes: Iterable[Node], nodes_with_leaves: Iterable[Node]) -> None:
        """Read both kinds of nodes, in as few statements as possible."""
        known = self.nodes
        missing: dict[tuple[str, str, bool], dict[str, None]] = {}  # dicts: ordered, deduplicated
        for node in nodes_with_leaves:
            entry = known.get(node)
            if entry is None or entry.leaves is None:
                missing.setdefault((node[0], node[2], True), {})[node[1]] = None
        for node in nodes:
            if node not in known and node[1] not in missing.get((node[0], node[2], True), ()):
                missing.setdefault((node[0], node[2], False), {})[node[1]] = None
        if not missing:
            return
        # Relations asked about for the same objects share one condition (relation IN (...)).
        shared: dict[tuple[str, bool, tuple[str, ...]], list[str]] = {}
        for (namespace, relation, leaves), unique in missing.items():
            objects = list(unique)
            for start in range(0, len(objects), CHUNK_SIZE):
                shared.setdefault((namespace, leaves, tuple(objects[start : start + CHUNK_SIZE])), []).append(relation)
        batch: list[_Group] = []
        size = 0
        for (namespace, leaves, objects), relations in shared.items():
            if size + len(objects) > CHUNK_SIZE and batch:
                self._read(batch)
                batch, size = [], 0
            batch.append(_Group(namespace, tuple(relations), objects, leaves))
            size += len(objects)
        if batch:
            self._read(batch)

    def _read(self, groups: list[_Group]) -> None:
        params: list[str | int] = []
        for leaves in (False, True):
            present = False
            for group in groups:
                if group.leaves is leaves:
                    params.append(group.namespace)
                    params += group.objects
                    params += group.relations
                    present = True
            if present:
                params += self._subject_params
        params.append(self.max_width + 1)
        # The statement lists the plain groups first, then those with leaves, as the parameters do.
        shape = tuple(
            (len(g.objects), len(g.relations), g.leaves)
            for leaves in (False, True)
            for g in groups
            if g.leaves is leaves
        )
        with _cursor(self.using) as cursor:
            cursor.execute(_statement(self._table, self._by_id, shape), params)
            rows = cursor.fetchall()
        self.statements += 1
        truncated = len(rows) > self.max_width
        if truncated:
            rows = rows[: self.max_width]

        read: dict[Node, NodeTuples] = {}
        for group in groups:
            for object_ in group.objects:
                for relation in group.relations:
                    read[(group.namespace, object_, relation)] = NodeTuples(
                        truncated=truncated, leaves=[] if group.leaves else None
                    )
        subject = self.subject
        for namespace, object_, relation, subject_id, set_namespace, set_object, set_relation in rows:
            entry = read[(namespace, object_, relation)]
            if subject_id:
                entry.direct = True  # only the subject's own id is selected
                continue
            subject_set = SubjectSet(set_namespace, set_object, set_relation)
            if subject_set == subject:
                entry.direct = True
            if set_relation:
                entry.children.append(subject_set)
            elif entry.leaves is not None:
                entry.leaves.append(subject_set)
        self.nodes.update(read)


def _cursor(using: str):
    """A cursor for the engine's reads.

    On PostgreSQL the statements run as prepared statements: the engine sends a handful of
    statement shapes thousands of times, and planning them (about 0.3 ms each, more than running
    them) is then done once per connection. Django disables psycopg's automatic preparation
    (for connection poolers), so these statements ask for it explicitly; everything else, and
    every other database, goes through Django's ordinary cursor.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return connection.cursor()
    connection.ensure_connection()
    cursor = _PreparedCursor(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


try:
    import psycopg

    class _PreparedCursor(psycopg.Cursor):
        """Server-side parameter binding, and a prepared statement for every execution."""

        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True)

except ImportError:  # pragma: no cover - psycopg is a requirement; SQLite-only installs may lack it
    _PreparedCursor = None


@dataclass(frozen=True, slots=True)
class _Group:
    """Nodes read together: these relations of these objects of one namespace."""

    namespace: str
    relations: tuple[str, ...]
    objects: tuple[str, ...]
    leaves: bool
