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

from collections import defaultdict
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


class TupleReader:
    """Reads nodes for the subject of one evaluation and caches them."""

    def __init__(self, subject: Subject, *, max_width: int, using: str = "default"):
        self.subject = subject
        self.max_width = max_width
        self.using = using
        self.nodes: dict[Node, NodeTuples] = {}
        self.statements = 0
        meta = RelationTuple._meta
        self._table = connections[using].ops.quote_name(meta.db_table)
        # Only the quoted table name is interpolated; every value is a query parameter.
        columns = (
            "namespace, object, relation, subject_id, subject_set_namespace, subject_set_object, subject_set_relation"
        )
        self._select = f"SELECT {columns} FROM {self._table} WHERE "  # noqa: S608
        if isinstance(subject, SubjectID):
            self._subject_sql = "subject_id = %s"
            self._subject_params: list[str] = [subject.id]
        else:
            self._subject_sql = (
                "(subject_id = '' AND subject_set_namespace = %s AND subject_set_object = %s "
                "AND subject_set_relation = %s)"
            )
            self._subject_params = [subject.namespace, subject.object, subject.relation]

    def get(self, node: Node) -> NodeTuples:
        return self.nodes[node]

    def load(self, nodes: Iterable[Node], *, leaves: bool = False) -> None:
        """Make sure ``nodes`` are read (with their relation-less subject sets if ``leaves``)."""
        self.load_mixed(() if leaves else nodes, nodes if leaves else ())

    def load_mixed(self, nodes: Iterable[Node], nodes_with_leaves: Iterable[Node]) -> None:
        """Read both kinds of nodes, in as few statements as possible."""
        missing: dict[tuple[str, str, bool], list[str]] = defaultdict(list)
        seen: set[Node] = set()
        for leaves, group in ((True, nodes_with_leaves), (False, nodes)):
            for node in group:
                known = self.nodes.get(node)
                if node in seen or (known is not None and (known.leaves is not None or not leaves)):
                    continue
                seen.add(node)
                missing[(node[0], node[2], leaves)].append(node[1])
        if not missing:
            return
        # Relations asked about for the same objects share one condition (relation IN (...)).
        shared: dict[tuple[str, bool, tuple[str, ...]], list[str]] = defaultdict(list)
        for (namespace, relation, leaves), objects in missing.items():
            for start in range(0, len(objects), CHUNK_SIZE):
                shared[(namespace, leaves, tuple(objects[start : start + CHUNK_SIZE]))].append(relation)
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
        parts = []
        for leaves in (False, True):
            conditions = []
            for group in groups:
                if group.leaves is not leaves:
                    continue
                objects = ", ".join(["%s"] * len(group.objects))
                relations = ", ".join(["%s"] * len(group.relations))
                conditions.append(f"(namespace = %s AND object IN ({objects}) AND relation IN ({relations}))")
                params += [group.namespace, *group.objects, *group.relations]
            if conditions:
                subject_sets = "subject_id = ''" if leaves else "(subject_id = '' AND subject_set_relation <> '')"
                parts.append(f"(({' OR '.join(conditions)}) AND ({self._subject_sql} OR {subject_sets}))")
                params += self._subject_params
        sql = f"{self._select}{' OR '.join(parts)} LIMIT %s"
        params.append(self.max_width + 1)
        with _cursor(self.using) as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        self.statements += 1
        truncated = len(rows) > self.max_width
        if truncated:
            rows = rows[: self.max_width]

        read: dict[Node, NodeTuples] = {}
        for group in groups:
            for object_ in group.objects:
                for relation in group.relations:
                    node = (group.namespace, object_, relation)
                    entry = NodeTuples(truncated=truncated)
                    if group.leaves:
                        entry.leaves = []
                    read[node] = entry
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
