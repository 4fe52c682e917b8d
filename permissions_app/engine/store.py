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

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connections

from ory_platform.queries import hot_cursor
from permissions_app.models import RelationTuple
from permissions_app.tuples import Subject, SubjectID, SubjectSet

Node = tuple[str, str, str]  # (namespace, object, relation)

# Objects per statement: well below SQLite's parameter limit, small enough for fast plans.
CHUNK_SIZE = 400
# Levels of subject sets below the nodes asked for that one statement also reads.
LOOKAHEAD = 1


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


_COLUMNS = ("namespace", "object", "relation", "subject_id", "subject_set_namespace", "subject_set_object")
_COLUMNS += ("subject_set_relation",)
_SUBJECT_ID = "{t}subject_id = %s"
_SUBJECT_SET = (
    "({t}subject_id = '' AND {t}subject_set_namespace = %s AND {t}subject_set_object = %s "
    "AND {t}subject_set_relation = %s)"
)
_EXPANDABLE = "({t}subject_id = '' AND {t}subject_set_relation <> '')"
_ANY_SET = "{t}subject_id = ''"
# SQL text by (table, subject kind, shape of the groups, lookahead): a few shapes are sent over and over.
_sql_cache: dict[tuple, str] = {}


def _conditions(shape, leaves: bool, t: str = "") -> list[str]:
    return [
        f"({t}namespace = %s AND {t}object IN ({', '.join(['%s'] * objects)}) "
        f"AND {t}relation IN ({', '.join(['%s'] * relations)}))"
        for objects, relations, group_leaves in shape
        if group_leaves is leaves
    ]


def _statement(table: str, by_id: bool, shape: tuple[tuple[int, int, bool], ...], lookahead: int) -> str:
    """The read of some nodes: their rows for the subject and their subject sets. Part *k* of the
    statement (*k* = 1 .. ``lookahead``) reads the same for the subject sets *k* levels below
    those nodes (the next levels of an expansion), joined in the same statement."""
    key = (table, by_id, shape, lookahead)
    sql = _sql_cache.get(key)
    if sql is None:
        subject = _SUBJECT_ID if by_id else _SUBJECT_SET
        parts = []
        for leaves in (False, True):
            conditions = _conditions(shape, leaves)
            if conditions:
                sets = _ANY_SET if leaves else _EXPANDABLE
                parts.append(f"(({' OR '.join(conditions)}) AND ({subject} OR {sets}))".format(t=""))
        # Only the quoted table name is interpolated; every value is a parameter.
        sql = f"SELECT 0, {', '.join(_COLUMNS)} FROM {table} WHERE {' OR '.join(parts)}"  # noqa: S608
        plain = " OR ".join(_conditions(shape, False, "p."))
        for level in range(1, lookahead + 1):
            aliases = ["p", *(f"x{n}" for n in range(1, level + 1))]
            joins = "".join(
                f" JOIN {table} {child} ON "
                + " AND ".join(f"{child}.{a} = {parent}.{b}" for a, b in zip(_COLUMNS[:3], _COLUMNS[4:], strict=True))
                for parent, child in itertools.pairwise(aliases)
            )
            along = " AND ".join(_EXPANDABLE.format(t=f"{alias}.") for alias in aliases[:-1])
            last = aliases[-1]
            found = f"({subject.format(t=last + '.')} OR {_EXPANDABLE.format(t=last + '.')})"
            columns = ", ".join(f"{last}.{c}" for c in _COLUMNS)
            part = f" UNION ALL SELECT {level}, {columns} FROM {table} p{joins}"  # noqa: S608
            sql += f"{part} WHERE ({plain}) AND {along} AND {found}"
        sql += " LIMIT %s"
        if len(_sql_cache) > 2000:
            _sql_cache.clear()
        _sql_cache[key] = sql
    return sql


class NeedsSnapshot(Exception):
    """The reader was allowed ``statement_budget`` statements outside a transaction and needs
    more. ``groups`` is everything it read or was about to read: a reader in a transaction can
    read all of it again in one statement."""

    def __init__(self, groups: list[_Group]):
        super().__init__("a second statement needs a snapshot")
        self.groups = groups


class TupleReader:
    """Reads nodes for the subject of one evaluation and caches them."""

    def __init__(
        self, subject: Subject, *, max_width: int, using: str = "default", statement_budget: int | None = None
    ):
        self.subject = subject
        self.max_width = max_width
        self.using = using
        self.statement_budget = statement_budget
        self._history: list[_Group] = []  # groups read so far, for NeedsSnapshot
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
        self.read_groups(
            [
                _Group(namespace, tuple(relations), objects, leaves)
                for (namespace, leaves, objects), relations in shared.items()
            ]
        )

    def read_groups(self, groups: list[_Group]) -> None:
        """Read these groups, as few statements as their size allows."""
        batch: list[_Group] = []
        size = 0
        for group in groups:
            if size + len(group.objects) > CHUNK_SIZE and batch:
                self._read(batch)
                batch, size = [], 0
            batch.append(group)
            size += len(group.objects)
        if batch:
            self._read(batch)

    def _read(self, groups: list[_Group], *, lookahead: int = LOOKAHEAD) -> None:
        if self.statement_budget is not None and self.statements >= self.statement_budget:
            raise NeedsSnapshot([*self._history, *groups])
        self._history += groups
        plain = [g for g in groups if not g.leaves]
        with_leaves = [g for g in groups if g.leaves]
        lookahead = lookahead if plain else 0
        params: list[str | int] = []
        for part in (plain, with_leaves):
            for group in part:
                params.append(group.namespace)
                params += group.objects
                params += group.relations
            if part:
                params += self._subject_params
        for _ in range(lookahead):
            for group in plain:
                params.append(group.namespace)
                params += group.objects
                params += group.relations
            params += self._subject_params
        params.append(self.max_width + 1)
        # The statement lists the plain groups first, then those with leaves, as the parameters do.
        shape = tuple((len(g.objects), len(g.relations), g.leaves) for g in (*plain, *with_leaves))
        with _cursor(self.using) as cursor:
            cursor.execute(_statement(self._table, self._by_id, shape, lookahead), params)
            rows = cursor.fetchall()
        self.statements += 1
        truncated = len(rows) > self.max_width
        if truncated and lookahead:
            # The next levels made the read too wide: read just these nodes, without looking ahead.
            self._read(groups, lookahead=0)
            return
        if truncated:
            rows = rows[: self.max_width]

        read: dict[Node, NodeTuples] = {}
        for group in groups:
            for object_ in group.objects:
                for relation in group.relations:
                    read[(group.namespace, object_, relation)] = NodeTuples(
                        truncated=truncated, leaves=[] if group.leaves else None
                    )
        ahead: list[dict[Node, NodeTuples]] = [{} for _ in range(lookahead + 1)]
        seen: set[tuple] = set()
        for row in rows:
            level = row[0]
            if level == 0:
                entry = read[(row[1], row[2], row[3])]
            else:
                if row in seen:
                    continue  # a subject set reached along two paths comes back twice
                seen.add(row)
                entries = ahead[level]
                node = (row[1], row[2], row[3])
                entry = entries.get(node)
                if entry is None:
                    entry = entries[node] = NodeTuples()
            self._add(entry, row)
        # The subject sets a level holds are the next level's nodes, read whether or not they
        # returned rows (no rows: nothing for this subject, no subject sets).
        parents = [read[(g.namespace, o, r)] for g in plain for o in g.objects for r in g.relations]
        for level in range(1, lookahead + 1):
            following = []
            for parent in parents:
                for child in parent.children:
                    node = (child.namespace, child.object, child.relation)
                    if node not in read and node not in self.nodes:
                        read[node] = entry = ahead[level].get(node) or NodeTuples()
                        following.append(entry)
            parents = following
        self.nodes.update(read)

    def _add(self, entry: NodeTuples, row: tuple) -> None:
        _, _, _, _, subject_id, set_namespace, set_object, set_relation = row
        if subject_id:
            entry.direct = True  # only the subject's own id is selected
            return
        subject_set = SubjectSet(set_namespace, set_object, set_relation)
        if subject_set == self.subject:
            entry.direct = True
        if set_relation:
            entry.children.append(subject_set)
        elif entry.leaves is not None:
            entry.leaves.append(subject_set)


def _cursor(using: str):
    """A cursor for the engine's reads: it sends a dozen statement shapes over and over, which on
    PostgreSQL run as prepared statements (see :func:`ory_platform.queries.hot_cursor`)."""
    return hot_cursor(connections[using])


@dataclass(frozen=True, slots=True)
class _Group:
    """Nodes read together: these relations of these objects of one namespace."""

    namespace: str
    relations: tuple[str, ...]
    objects: tuple[str, ...]
    leaves: bool
