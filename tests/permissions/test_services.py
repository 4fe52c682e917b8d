"""Services: model versions and tuple writes, including under concurrency (PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.opl import InvalidModel
from permissions_app.schema import active_schema
from permissions_app.services import (
    PatchAction,
    RelationshipPatch,
    permission_model_activate,
    permission_model_load,
    relationship_create,
    relationships_import,
    relationships_patch,
)
from permissions_app.tuples import parse_tuple
from tests.permissions.conftest import DOCUMENTS_MODEL


@pytest.mark.django_db
def test_model_versions_form_a_history_with_one_active():
    first = permission_model_load(source=DOCUMENTS_MODEL).version
    second = permission_model_load(source="class Team implements Namespace {}").version
    assert (first.version, second.version) == (1, 2)
    assert list(PermissionModel.objects.filter(is_active=True)) == [second]
    assert list(active_schema().namespaces) == ["Team"]
    again = permission_model_load(source=DOCUMENTS_MODEL)
    assert again.changed and again.version.pk == first.pk  # an old source re-activates its version
    assert PermissionModel.objects.count() == 2
    permission_model_activate(version_id=second.pk)
    assert list(active_schema().namespaces) == ["Team"]


@pytest.mark.django_db
def test_an_invalid_model_changes_nothing():
    permission_model_load(source=DOCUMENTS_MODEL)
    with pytest.raises(InvalidModel) as refused:
        permission_model_load(source="class A implements Namespace { related: { x: B[] } }")
    assert "namespace 'B' was not declared" in str(refused.value)
    assert PermissionModel.objects.count() == 1
    assert "Document" in active_schema().namespaces


@pytest.mark.django_db
def test_patch_inserts_before_it_deletes():
    permission_model_load(source=DOCUMENTS_MODEL)
    tuple_ = parse_tuple("Document:d#viewers@alice")
    inserted, deleted = relationships_patch(
        patches=[RelationshipPatch(PatchAction.DELETE, tuple_), RelationshipPatch(PatchAction.INSERT, tuple_)]
    )
    assert (inserted, deleted) == (1, 1)  # as in Keto: the insert runs first, the delete wins
    assert not RelationTuple.objects.exists()


@pytest.mark.django_db
def test_import_counts_only_new_tuples():
    permission_model_load(source=DOCUMENTS_MODEL)
    batch = [parse_tuple(f"Document:d{i}#viewers@u{i}") for i in range(10)]
    assert relationships_import(relationships=batch[:4]) == 4
    assert relationships_import(relationships=batch) == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_of_the_same_tuple_store_it_once():
    """SERIALIZABLE conflicts are retried; the unique constraint keeps one row."""
    permission_model_load(source=DOCUMENTS_MODEL)
    tuple_ = parse_tuple("Document:d#viewers@Group:g#members")
    errors: list[BaseException] = []
    barrier = threading.Barrier(6)

    def write() -> None:
        try:
            barrier.wait()
            for _ in range(5):
                relationship_create(relationship=tuple_)
                relationships_patch(
                    patches=[RelationshipPatch(PatchAction.INSERT, parse_tuple("Document:d#owners@olga"))]
                )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(str(r) for r in RelationTuple.objects.all()) == [
        "Document:d#owners@olga",
        "Document:d#viewers@Group:g#members",
    ]
