"""The management commands: load_permission_model, import_relationships, setup_demo."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.selectors import permission_model_active
from tests.permissions.conftest import DOCUMENTS_MODEL

pytestmark = pytest.mark.django_db

EXAMPLE = "permissions_app/examples/documents.ts"


def _call(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_load_permission_model_activates_a_new_version(tmp_path):
    out, _ = _call("load_permission_model", EXAMPLE)
    assert "Activated version 1" in out
    assert permission_model_active().namespaces == ["User", "Group", "Folder", "Document"]
    out, _ = _call("load_permission_model", EXAMPLE)
    assert "nothing changed" in out
    other = tmp_path / "teams.ts"
    other.write_text("class Team implements Namespace {}")
    _call("load_permission_model", str(other))
    assert [(v.version, v.is_active) for v in PermissionModel.objects.order_by("version")] == [(1, False), (2, True)]


def test_an_invalid_model_is_refused_with_every_error_and_the_active_one_stays(tmp_path):
    _call("load_permission_model", EXAMPLE)
    broken = tmp_path / "broken.ts"
    broken.write_text(
        "class A implements Namespace {\n"
        "  related: { owners: Nobody[] }\n"
        "  permits = { view: (ctx) => this.related.viewers.includes(ctx.subject) }\n"
        "}\n"
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("load_permission_model", str(broken), stdout=io.StringIO(), stderr=err)
    assert f"{broken}:2:22: namespace 'Nobody' was not declared" in err.getvalue()
    assert f"{broken}:3:43: namespace 'A' did not declare relation 'viewers'" in err.getvalue()
    assert permission_model_active().version == 1


def test_check_only_activates_nothing(tmp_path):
    out, _ = _call("load_permission_model", EXAMPLE, "--check")
    assert "is a valid permission model" in out
    assert not PermissionModel.objects.exists()


def test_loading_warns_about_tuples_the_model_no_longer_declares(tmp_path):
    _call("load_permission_model", EXAMPLE)
    RelationTuple.objects.create(namespace="Document", object="d", relation="viewers", subject_id="a")
    smaller = tmp_path / "smaller.ts"
    smaller.write_text("class Document implements Namespace { related: { owners: Document[] } }")
    _, err = _call("load_permission_model", str(smaller))
    assert "1 stored tuple(s)" in err


def test_import_relationships_from_text_and_json_lines(tmp_path, load_model):
    load_model(DOCUMENTS_MODEL)
    source = tmp_path / "tuples.txt"
    lines = ["// comment", "", "Group:eng#members@alice", "Document:d1#viewers@(Group:eng#members)"]
    lines.append(json.dumps({"namespace": "Document", "object": "d1", "relation": "owners", "subject_id": "bob"}))
    lines += [f"Document:doc{i}#viewers@user{i}" for i in range(25)]
    source.write_text("\n".join(lines) + "\n")
    out, err = _call("import_relationships", str(source), "--batch-size", "7")
    assert "Read 28 tuples" in out and "28 created, 0 already present, 0 refused" in out
    assert "tuples" in err  # the progress bar
    assert RelationTuple.objects.count() == 28
    out, _ = _call("import_relationships", str(source), "--no-progress")
    assert "0 created, 28 already present" in out
    assert RelationTuple.objects.count() == 28


def test_import_reports_bad_lines_and_imports_the_rest(tmp_path, load_model):
    load_model(DOCUMENTS_MODEL)
    source = tmp_path / "tuples.txt"
    source.write_text('Group:eng#members@alice\nNope:x#y@z\nnot a tuple\n{"namespace": 1}\nDocument:d#view@a\n')
    err = io.StringIO()
    with pytest.raises(CommandError, match="4 line"):
        call_command("import_relationships", str(source), "--no-progress", stdout=io.StringIO(), stderr=err)
    assert "line 2: Unknown namespace 'Nope'" in err.getvalue()
    assert "line 3: Malformed relation tuple" in err.getvalue()
    assert "line 5:" in err.getvalue()  # a permit
    assert [str(r) for r in RelationTuple.objects.all()] == ["Group:eng#members@alice"]


def test_import_needs_an_active_model(tmp_path):
    source = tmp_path / "tuples.txt"
    source.write_text("Group:eng#members@alice\n")
    with pytest.raises(CommandError, match="No permission model"):
        call_command("import_relationships", str(source), stdout=io.StringIO(), stderr=io.StringIO())


def test_setup_demo_loads_the_example_model_once():
    out, _ = _call("setup_demo")
    assert "example permission model" in out
    from tests.permissions.conftest import check_text

    assert check_text("Document:onboarding#view@alice").allowed
    assert not check_text("Document:onboarding#view@mallory").allowed
    out, _ = _call("setup_demo")
    assert "left alone" in out
    assert PermissionModel.objects.count() == 1


def test_model_file_setting_is_loaded_on_the_first_request(client, tmp_path, settings, monkeypatch):
    from django.core.signals import request_started

    from permissions_app import startup

    path = tmp_path / "model.ts"
    path.write_text("class Team implements Namespace {}")
    settings.PERMISSIONS_MODEL_FILE = str(path)
    monkeypatch.setattr(startup, "_done", False)
    request_started.connect(startup.load_model_file_once, dispatch_uid="permissions_model_file")
    assert permission_model_active() is None
    client.get("/health/alive")
    active = permission_model_active()
    assert (active.namespaces, active.origin) == (["Team"], "settings")
    # Once per process: a changed file is not picked up by later requests.
    path.write_text("class Squad implements Namespace {}")
    client.get("/health/alive")
    assert permission_model_active().namespaces == ["Team"]


def test_an_invalid_model_file_leaves_the_active_model(tmp_path, caplog):
    from permissions_app import startup

    path = tmp_path / "model.ts"
    path.write_text("class Team implements Namespace {}")
    startup.load_model_file(str(path))
    active = permission_model_active()
    path.write_text("class Team implements Namespace { garbage }")
    startup.load_model_file(str(path))
    assert permission_model_active().pk == active.pk
    assert "PERMISSIONS_MODEL_FILE is invalid" in caplog.text


def test_system_check_reports_an_invalid_model_file(tmp_path):
    path = tmp_path / "model.ts"
    path.write_text("class Team implements { }")
    with override_settings(PERMISSIONS_MODEL_FILE=str(path)):
        from permissions_app.checks import check_permissions_settings

        errors = check_permissions_settings(None)
    assert [e.id for e in errors] == ["permissions_app.E001"]
