"""The staff console: tuples, the model history, and the Check page with its proofs."""

from __future__ import annotations

import pytest
from django.urls import reverse

from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.selectors import permission_model_active
from tests.permissions.conftest import write_tuples

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(staff_client):
    return staff_client


def _check(staff, subject: str, **extra):
    params = {"namespace": "Document", "object": "d1", "relation": "view", "subject": subject, **extra}
    response = staff.get(reverse("admin:permissions_app_check"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_check_page_shows_the_proof_of_an_allowed_check(staff, documents_model):
    write_tuples(
        "Document:d1#viewers@Group:staff#members",
        "Group:staff#members@Group:eng#members",
        "Group:eng#members@alice",
        "Document:d1#owners@olga",
    )
    page = _check(staff, "alice")
    assert "Allowed" in page and "The path that proves it" in page
    # the chain of subject sets down to the tuple that grants it, in order
    chain = ["Document:d1#viewers", "Group:staff#members", "Group:eng#members", "Group:eng#members@alice"]
    positions = [page.index(f"<code>{label}</code>") for label in chain]
    assert positions == sorted(positions)
    assert "Document:d1#owners" not in page  # only the proving branch is shown


def test_check_page_shows_what_was_searched_when_denied(staff, documents_model):
    write_tuples("Document:d1#viewers@Group:eng#members", "Group:eng#members@alice", "Document:d1#banned@alice")
    page = _check(staff, "bob")
    assert "Denied" in page and "What was searched" in page
    assert "<code>Group:eng#members</code>" in page
    banned = _check(staff, "alice")
    assert "Denied" in banned and "<code>Document:d1#banned@alice</code>" in banned


def test_check_page_explains_an_unknown_answer(staff, documents_model):
    write_tuples("Document:d1#viewers@Group:a#members", "Group:a#members@Group:b#members", "Group:b#members@alice")
    page = _check(staff, "alice", max_depth=3)
    assert "Denied" in page and "max_depth_exceeded" in page


def test_check_page_validates_its_form(staff, documents_model):
    page = _check(staff, "alice", relation="nope")
    assert "has no relation" in page
    assert "Allowed" not in page and "Denied" not in page


def test_check_page_needs_a_staff_login(client, documents_model):
    response = client.get(reverse("admin:permissions_app_check"))
    assert response.status_code == 302
    assert "/console/login/" in response["Location"]


def test_tuples_can_be_searched_and_filtered(staff, documents_model):
    write_tuples("Document:d1#viewers@Group:eng#members", "Document:d2#owners@alice", "Group:eng#members@bob")
    changelist = reverse("admin:permissions_app_relationtuple_changelist")
    d1, d2 = '<td class="field-object">d1</td>', '<td class="field-object">d2</td>'
    page = staff.get(changelist, {"q": "Group:eng#members"}).content.decode()
    assert d1 in page and d2 not in page
    page = staff.get(changelist, {"namespace__exact": "Document", "subject_kind": "id"}).content.decode()
    assert d2 in page and d1 not in page
    assert "Check a permission" in page


def test_adding_a_tuple_in_the_console_uses_the_service(staff, documents_model):
    url = reverse("admin:permissions_app_relationtuple_add")
    refused = staff.post(url, {"namespace": "Document", "object": "d1", "relation": "view", "subject": "a"})
    assert "is a permit" in refused.content.decode()
    assert not RelationTuple.objects.exists()
    stored = staff.post(
        url, {"namespace": "Document", "object": "d1", "relation": "viewers", "subject": "Group:e#members"}
    )
    assert stored.status_code == 302
    assert [str(r) for r in RelationTuple.objects.all()] == ["Document:d1#viewers@Group:e#members"]


def test_deleting_tuples_in_the_console(staff, documents_model):
    write_tuples("Document:d1#viewers@alice", "Document:d2#viewers@alice")
    keep = RelationTuple.objects.get(object="d2")
    response = staff.post(
        reverse("admin:permissions_app_relationtuple_changelist"),
        {"action": "delete_tuples", "_selected_action": [str(RelationTuple.objects.get(object="d1").pk)]},
    )
    assert response.status_code == 302
    assert list(RelationTuple.objects.all()) == [keep]


def test_model_history_load_and_reactivate(staff, documents_model):
    load_url = reverse("admin:permissions_app_permissionmodel_add")
    broken = staff.post(load_url, {"source": "class A implements Namespace { related: { x: B[] } }"})
    assert "namespace &#x27;B&#x27; was not declared" in broken.content.decode()
    assert PermissionModel.objects.count() == 1
    assert staff.post(load_url, {"source": "class Team implements Namespace {}"}).status_code == 302
    assert permission_model_active().namespaces == ["Team"]

    history = staff.get(reverse("admin:permissions_app_permissionmodel_changelist")).content.decode()
    assert "Team" in history and "Document" in history
    staff.post(
        reverse("admin:permissions_app_permissionmodel_changelist"),
        {"action": "activate_version", "_selected_action": [str(documents_model.pk)]},
    )
    assert permission_model_active().pk == documents_model.pk
    detail = staff.get(reverse("admin:permissions_app_permissionmodel_change", args=[documents_model.pk]))
    assert "class Document implements Namespace" in detail.content.decode()
