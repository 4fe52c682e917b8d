"""Round trips: a check costs a small number of statements that does not grow with the data."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from permissions_app.engine import Membership, check
from permissions_app.models import RelationTuple, row_fields
from permissions_app.schema import active_schema
from permissions_app.tuples import Relationship, SubjectID, SubjectSet, parse_tuple
from tests.permissions.conftest import write_tuples

pytestmark = pytest.mark.django_db


def _queries(notation: str, **options) -> tuple[Membership, int]:
    active_schema()  # the model is cached between checks; count the check itself
    with CaptureQueriesContext(connection) as captured:
        result = check(parse_tuple(notation), **options)
    return result.membership, len(captured.captured_queries)


def _bulk(relationships) -> None:
    RelationTuple.objects.bulk_create([RelationTuple(**row_fields(r)) for r in relationships], batch_size=2000)


def _nested_groups() -> None:
    write_tuples(
        "Document:doc#viewers@Group:g0#members",
        *(f"Group:g{i}#members@Group:g{i + 1}#members" for i in range(7)),
        "Group:g7#members@alice",
    )


def test_eight_nested_groups_cost_a_bounded_number_of_statements(documents_model):
    _nested_groups()
    membership, few = _queries("Document:doc#view@alice")
    assert membership is Membership.MEMBER
    # one statement for the document's relations, one per group level
    assert few <= 10

    # Thousands of unrelated tuples, wide groups and many documents change nothing.
    noise = [Relationship("Group", f"g{i % 8}", "members", SubjectID(f"user{i}")) for i in range(3000)]
    noise += [Relationship("Group", f"g{i % 8}", "members", SubjectSet("User", f"u{i}")) for i in range(3000)]
    noise += [Relationship("Document", f"doc{i}", "viewers", SubjectSet("Group", "g0", "members")) for i in range(2000)]
    noise += [Relationship("Group", f"other{i}", "members", SubjectSet("Group", "g3", "members")) for i in range(2000)]
    _bulk(noise)
    membership, many = _queries("Document:doc#view@alice")
    assert membership is Membership.MEMBER
    assert many == few

    # A subject that is in none of the groups costs the same (the whole chain is searched).
    membership, denied = _queries("Document:doc#view@mallory")
    assert membership is Membership.NOT_MEMBER
    assert denied <= few + 1


def test_depth_beyond_the_chain_is_unknown_not_denied(documents_model):
    _nested_groups()
    # view = (viewers || ...) && !banned: the nested group costs one unit, the computed viewers one
    # more, then one per group level.
    assert check(parse_tuple("Document:doc#view@alice"), max_depth=10).membership is Membership.MEMBER
    shallow = check(parse_tuple("Document:doc#view@alice"), max_depth=9)
    assert shallow.membership is Membership.UNKNOWN
    assert shallow.limitations == ("max_depth_exceeded",)


def test_traversing_two_hundred_parents_is_one_batch(load_model):
    """Keto #1519: a clip in 200 projects must not cost 200 sequential checks."""
    load_model("""
        class User implements Namespace {}
        class Project implements Namespace {
          related: { viewers: User[] }
          permits = { view: (ctx: Context) => this.related.viewers.includes(ctx.subject) }
        }
        class Clip implements Namespace {
          related: { projects: Project[] }
          permits = { view: (ctx: Context) => this.related.projects.traverse((p) => p.permits.view(ctx)) }
        }
    """)
    _bulk(Relationship("Clip", "c", "projects", SubjectSet("Project", f"p{i}")) for i in range(200))
    _bulk(Relationship("Project", f"p{i}", "viewers", SubjectID(f"viewer{i}")) for i in range(200))
    membership, statements = _queries("Clip:c#view@viewer199")
    assert membership is Membership.MEMBER
    assert statements <= 3
    membership, statements = _queries("Clip:c#view@stranger")
    assert membership is Membership.NOT_MEMBER
    assert statements <= 3


def test_a_wide_relation_is_not_loaded(documents_model, settings):
    """Members without a relation (User:x) are leaves: a check never reads them, so a narrow read
    width does not turn a plain "no" into "unknown"."""
    _bulk(Relationship("Document", "big", "viewers", SubjectSet("User", f"u{i}")) for i in range(5000))
    _bulk(Relationship("Document", "big", "viewers", SubjectID(f"id{i}")) for i in range(5000))
    settings.PERMISSIONS_MAX_READ_WIDTH = 50
    assert check(parse_tuple("Document:big#view@User:u4999")).allowed
    assert check(parse_tuple("Document:big#view@id4999")).allowed
    denied = check(parse_tuple("Document:big#view@User:nobody"))
    assert denied.membership is Membership.NOT_MEMBER


def test_listing_what_a_subject_may_view(documents_model):
    _nested_groups()
    write_tuples("Document:mine#owners@alice", "Document:banned#viewers@alice", "Document:banned#banned@alice")
    _bulk(Relationship("Document", f"other{i}", "viewers", SubjectID(f"user{i}")) for i in range(500))
    from permissions_app.engine import list_objects

    active_schema()
    with CaptureQueriesContext(connection) as captured:
        visible = list_objects("Document", "view", SubjectID("alice"))
    assert visible == ["doc", "mine"]
    # the candidates, two chunks of documents, then one statement per group level: 503
    # documents are checked together, not one by one
    assert len(captured.captured_queries) <= 13


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_check_reads_one_snapshot(load_model):
    """A check answered by one statement runs without a transaction; one that needs more starts
    over inside a transaction (one snapshot). Both answer what the data says."""
    from tests.permissions.conftest import DOCUMENTS_MODEL

    load_model(DOCUMENTS_MODEL)
    _nested_groups()
    write_tuples("Document:doc#owners@olga")
    statements = []

    def count(execute, sql, params, many, context):
        if "permissions_relation_tuple" in sql:
            statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        assert check(parse_tuple("Document:doc#view@olga")).allowed
        single = len(statements)
        assert check(parse_tuple("Document:doc#view@alice")).allowed
    assert single == 1
    # the deep check: its first statement, then in one transaction what that statement read
    # together with the next levels (one statement), and the remaining levels
    assert len(statements) - single == 1 + 4
