"""Property tests: on random models and random tuples, the engine answers exactly what the
reference evaluator answers, for every query and depth (member / not a member / unknown)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from permissions_app.engine import Membership, check, list_objects
from permissions_app.models import RelationTuple, row_fields
from permissions_app.opl import check_model, parse_model
from permissions_app.tuples import Relationship, SubjectID, SubjectSet
from tests.permissions.reference import MEMBER, NOT, UNKNOWN, Reference

pytestmark = pytest.mark.django_db

NAMESPACES = ("A", "B")
RELATIONS = ("r0", "r1")
PERMITS = ("p0", "p1")
OBJECTS = ("o0", "o1", "o2")
USERS = ("u0", "u1")
OUTCOMES = {Membership.MEMBER: MEMBER, Membership.NOT_MEMBER: NOT, Membership.UNKNOWN: UNKNOWN}


def _atoms() -> st.SearchStrategy[str]:
    includes = st.sampled_from(RELATIONS).map(lambda r: f"this.related.{r}.includes(ctx.subject)")
    permits = st.sampled_from(PERMITS).map(lambda p: f"this.permits.{p}(ctx)")
    traverse_permit = st.tuples(st.sampled_from(RELATIONS), st.sampled_from(PERMITS)).map(
        lambda rp: f"this.related.{rp[0]}.traverse((x) => x.permits.{rp[1]}(ctx))"
    )
    traverse_relation = st.tuples(st.sampled_from(RELATIONS), st.sampled_from(RELATIONS)).map(
        lambda rr: f"this.related.{rr[0]}.traverse(x => x.related.{rr[1]}.includes(ctx.subject))"
    )
    return st.one_of(includes, permits, traverse_permit, traverse_relation)


def _expressions() -> st.SearchStrategy[str]:
    return st.recursive(
        _atoms(),
        lambda inner: st.one_of(
            inner.map(lambda e: f"!{e}" if e.startswith("this") else f"!({e})"),
            inner.map(lambda e: f"({e})"),
            st.tuples(inner, st.sampled_from(["||", "&&"]), inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        ),
        max_leaves=4,
    )


@st.composite
def models(draw) -> str:
    classes = []
    for namespace in NAMESPACES:
        types = " | ".join([*NAMESPACES, *(f'SubjectSet<{n}, "{r}">' for n in NAMESPACES for r in RELATIONS)])
        related = "\n".join(f"    {r}: ({types})[]" for r in RELATIONS)
        permits = ",\n".join(f"    {p}: (ctx: Context): boolean => {draw(_expressions())}" for p in PERMITS)
        classes.append(
            f"class {namespace} implements Namespace {{\n  related: {{\n{related}\n  }}\n"
            f"  permits = {{\n{permits}\n  }}\n}}"
        )
    return "\n".join(classes)


def _subjects() -> st.SearchStrategy:
    # A small pool, so that stored tuples and queried subjects meet often.
    subject_sets = st.builds(
        SubjectSet, st.sampled_from(NAMESPACES), st.sampled_from(OBJECTS[:2]), st.sampled_from(("", "r0", "p0"))
    )
    return st.one_of(st.sampled_from(USERS).map(SubjectID), subject_sets)


def _relationships(relations=RELATIONS) -> st.SearchStrategy[Relationship]:
    return st.builds(
        Relationship,
        st.sampled_from(NAMESPACES),
        st.sampled_from(OBJECTS),
        st.sampled_from(relations),
        _subjects(),
    )


def _store(relationships: set[Relationship]) -> None:
    RelationTuple.objects.all().delete()
    RelationTuple.objects.bulk_create([RelationTuple(**row_fields(r)) for r in relationships])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    source=models(),
    stored=st.sets(_relationships(), max_size=20),
    subjects=st.lists(_subjects(), min_size=1, max_size=2, unique=True),
)
def test_engine_agrees_with_the_reference(source, stored, subjects):
    """Every relation and permit of every object, for the drawn subjects, at several depths."""
    assume(not check_model(source))
    schema = parse_model(source)
    _store(stored)
    reference = Reference(schema, stored)
    for subject in subjects:
        for namespace in NAMESPACES:
            for object_ in OBJECTS:
                for relation in RELATIONS + PERMITS:
                    query = Relationship(namespace, object_, relation, subject)
                    for depth in (1, 2, 3, 5):
                        expected = reference.check(query, depth)
                        outcome = OUTCOMES[check(query, max_depth=depth, schema=schema).membership]
                        assert outcome == expected, (
                            f"{query} at depth {depth}: engine {outcome}, reference {expected}\n"
                            f"{source}\n{sorted(map(str, stored))}"
                        )


GROUPS = (
    "class User implements Namespace {}\n"
    + """
class Group implements Namespace {
  related: { members: (User | SubjectSet<Group, "members">)[] }
}
"""
)


@settings(max_examples=60, deadline=None)
@given(
    edges=st.sets(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=20),
    members=st.sets(st.tuples(st.integers(0, 7), st.sampled_from(USERS)), max_size=6),
    depth=st.integers(1, 10),
    group=st.integers(0, 7),
    user=st.sampled_from(USERS),
)
def test_nested_groups_with_cycles_agree_with_the_reference(edges, members, depth, group, user):
    """Dense, cyclic group graphs: the breadth-first expansion against the plain one."""
    schema = parse_model(GROUPS)
    stored = {Relationship("Group", f"g{a}", "members", SubjectSet("Group", f"g{b}", "members")) for a, b in edges}
    stored |= {Relationship("Group", f"g{g}", "members", SubjectID(u)) for g, u in members}
    _store(stored)
    query = Relationship("Group", f"g{group}", "members", SubjectID(user))
    result = check(query, max_depth=depth, schema=schema)
    assert OUTCOMES[result.membership] == Reference(schema, stored).check(query, depth)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(source=models(), stored=st.sets(_relationships(), max_size=20), subject=_subjects())
def test_listing_objects_agrees_with_single_checks(source, stored, subject):
    """The set-at-once evaluation behind list_objects answers what one check per object does."""
    assume(not check_model(source))
    schema = parse_model(source)
    _store(stored)
    for namespace in NAMESPACES:
        for relation in RELATIONS + PERMITS:
            listed = list_objects(namespace, relation, subject, candidates=OBJECTS, max_depth=3, schema=schema)
            one_by_one = [
                o
                for o in OBJECTS
                if check(Relationship(namespace, o, relation, subject), max_depth=3, schema=schema).allowed
            ]
            assert sorted(listed) == one_by_one
