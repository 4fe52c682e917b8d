"""The official Keto SDK (``ory-keto-client`` 25.4.0) against a live server, unchanged.

Every relationship and permission call the SDK offers is driven here: create, delete, patch,
list with pagination, check, check-or-error, post-check, batch check, expand, namespaces and
the OPL syntax check.
"""

from __future__ import annotations

import ory_keto_client as keto
import pytest
from ory_keto_client.exceptions import ApiException, ForbiddenException, UnauthorizedException

from ory_platform.api_keys import api_key_create
from permissions_app.services import permission_model_load
from tests.permissions.conftest import DOCUMENTS_MODEL

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]


@pytest.fixture
def sdk(live_server):
    permission_model_load(source=DOCUMENTS_MODEL)
    key = api_key_create(name="sdk-test").secret
    configuration = keto.Configuration(host=live_server.url)
    with keto.ApiClient(configuration, header_name="Authorization", header_value=f"Bearer {key}") as client:
        yield keto.RelationshipApi(client), keto.PermissionApi(client)


def _subject_set(namespace: str, object_: str, relation: str) -> keto.SubjectSet:
    return keto.SubjectSet(namespace=namespace, object=object_, relation=relation)


def test_relationship_calls(sdk):
    relationships, _ = sdk
    created = relationships.create_relationship(
        create_relationship_body=keto.CreateRelationshipBody(
            namespace="Document", object="d1", relation="viewers", subject_set=_subject_set("Group", "eng", "members")
        )
    )
    assert created.subject_set.object == "eng"
    for index in range(5):
        relationships.create_relationship(
            create_relationship_body=keto.CreateRelationshipBody(
                namespace="Group", object="eng", relation="members", subject_id=f"user{index}"
            )
        )

    # list with pagination
    seen, token = [], None
    while True:
        page = relationships.get_relationships(namespace="Group", page_size=2, page_token=token)
        seen += [t.subject_id for t in page.relation_tuples]
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == [f"user{i}" for i in range(5)]

    # patch: atomic inserts and deletes
    relationships.patch_relationships(
        relationship_patch=[
            keto.RelationshipPatch(
                action="insert",
                relation_tuple=keto.Relationship(namespace="Document", object="d1", relation="banned", subject_id="x"),
            ),
            keto.RelationshipPatch(
                action="delete",
                relation_tuple=keto.Relationship(
                    namespace="Group", object="eng", relation="members", subject_id="user0"
                ),
            ),
        ]
    )
    assert [
        t.subject_id for t in relationships.get_relationships(namespace="Document", relation="banned").relation_tuples
    ] == ["x"]

    # delete by query
    relationships.delete_relationships(namespace="Group", object="eng", relation="members", subject_id="user1")
    remaining = relationships.get_relationships(namespace="Group", object="eng").relation_tuples
    assert sorted(t.subject_id for t in remaining) == ["user2", "user3", "user4"]

    assert [n.name for n in relationships.list_relationship_namespaces().namespaces] == [
        "User",
        "Group",
        "Folder",
        "Document",
    ]

    assert relationships.check_opl_syntax(body="class A implements Namespace {}").errors in (None, [])
    errors = relationships.check_opl_syntax(body="class A implements Namespace { related: { x: B[] } }").errors
    assert errors[0].message == "namespace 'B' was not declared"
    assert (errors[0].start.line, errors[0].start.column) == (1, 46)

    with pytest.raises(ApiException) as refused:
        relationships.create_relationship(
            create_relationship_body=keto.CreateRelationshipBody(
                namespace="Nope", object="x", relation="y", subject_id="z"
            )
        )
    assert refused.value.status == 400


def test_permission_calls(sdk):
    relationships, permissions = sdk
    relationships.patch_relationships(
        relationship_patch=[
            keto.RelationshipPatch(action="insert", relation_tuple=relationship)
            for relationship in (
                keto.Relationship(
                    namespace="Document", object="d1", relation="viewers",
                    subject_set=_subject_set("Group", "eng", "members"),
                ),
                keto.Relationship(namespace="Group", object="eng", relation="members", subject_id="alice"),
                keto.Relationship(namespace="Document", object="d1", relation="owners", subject_id="olga"),
            )
        ]
    )  # fmt: skip
    view = {"namespace": "Document", "object": "d1", "relation": "view"}

    assert permissions.check_permission(**view, subject_id="alice").allowed is True
    assert permissions.check_permission(**view, subject_id="bob").allowed is False
    assert permissions.check_permission(**view, subject_id="alice", max_depth=1).allowed is False

    assert permissions.check_permission_or_error(**view, subject_id="olga").allowed is True
    with pytest.raises(ForbiddenException) as denied:
        permissions.check_permission_or_error(**view, subject_id="bob")
    assert denied.value.status == 403

    assert permissions.post_check_permission(
        post_check_permission_body=keto.PostCheckPermissionBody(**view, subject_id="alice")
    ).allowed
    assert permissions.post_check_permission_or_error(
        post_check_permission_or_error_body=keto.PostCheckPermissionOrErrorBody(**view, subject_id="olga")
    ).allowed
    with pytest.raises(ForbiddenException):
        permissions.post_check_permission_or_error(
            post_check_permission_or_error_body=keto.PostCheckPermissionOrErrorBody(**view, subject_id="bob")
        )

    batch = permissions.batch_check_permission(
        batch_check_permission_body=keto.BatchCheckPermissionBody(
            tuples=[keto.Relationship(**view, subject_id=name) for name in ("alice", "bob", "olga")]
            + [keto.Relationship(namespace="Nope", object="x", relation="y", subject_id="z")]
        )
    )
    assert [result.allowed for result in batch.results] == [True, False, True, False]
    assert batch.results[3].error

    tree = permissions.expand_permissions(namespace="Group", object="eng", relation="members", max_depth=3)
    assert tree.type == "union"
    assert tree.tuple.subject_set.object == "eng"
    assert [child.tuple.subject_id for child in tree.children] == ["alice"]
    assert [child.type for child in tree.children] == ["leaf"]

    document_tree = permissions.expand_permissions(**view, max_depth=5)
    assert document_tree.type == "intersection"


def test_an_sdk_without_a_key_is_refused(live_server, sdk):
    anonymous = keto.PermissionApi(keto.ApiClient(keto.Configuration(host=live_server.url)))
    with pytest.raises(UnauthorizedException):
        anonymous.check_permission(namespace="Document", object="d1", relation="view", subject_id="alice")
