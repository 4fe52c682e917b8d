"""Keto's HTTP API: paths, parameters, shapes, status codes, and refusing bad input."""

from __future__ import annotations

import pytest

from permissions_app.models import RelationTuple
from tests.permissions.conftest import write_tuples

pytestmark = pytest.mark.django_db

ADMIN = "/admin/relation-tuples"
VIEWER = {"namespace": "Document", "object": "d1", "relation": "viewers", "subject_id": "alice"}
GROUP_VIEWER = {
    "namespace": "Document",
    "object": "d1",
    "relation": "viewers",
    "subject_set": {"namespace": "Group", "object": "eng", "relation": "members"},
}


def assert_error(response, status: int = 400, error_id: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()["error"]
    assert body["code"] == status
    if error_id:
        assert body["id"] == error_id
    return body


# --- authentication --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/relation-tuples"),
        ("get", "/relation-tuples/check?namespace=Document&object=d1&relation=view&subject_id=a"),
        ("get", "/relation-tuples/check/openapi"),
        ("post", "/relation-tuples/batch/check"),
        ("get", "/relation-tuples/expand?namespace=Document&object=d1&relation=view"),
        ("get", "/namespaces"),
        ("post", "/opl/syntax/check"),
        ("put", ADMIN),
        ("delete", ADMIN + "?namespace=Document"),
        ("patch", ADMIN),
    ],
)
def test_every_endpoint_needs_an_api_key(api_client, documents_model, method, path):
    response = getattr(api_client, method)(path)
    assert_error(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")
    response = getattr(api_client, method)(path, HTTP_AUTHORIZATION="Bearer ory_ak_wrong_key")
    assert_error(response, 401)


def test_the_read_api_can_be_opened_but_the_write_api_cannot(api_client, documents_model, settings):
    settings.PERMISSIONS_READ_API_PUBLIC = True
    assert api_client.get("/namespaces").status_code == 200
    assert api_client.get("/relation-tuples").status_code == 200
    assert_error(api_client.put(ADMIN, VIEWER, format="json"), 401)


@pytest.mark.parametrize("path", ["/relation-tuples", "/namespaces", "/relation-tuples/check/openapi"])
def test_slashless_paths_are_served_not_redirected(admin_api, documents_model, path):
    response = admin_api.get(path)
    assert response.status_code in (200, 400)
    assert "Location" not in response


# --- create ----------------------------------------------------------------------------------
def test_create_returns_201_with_the_tuple_and_is_idempotent(admin_api, documents_model):
    response = admin_api.put(ADMIN, GROUP_VIEWER, format="json")
    assert response.status_code == 201
    assert response.json() == GROUP_VIEWER
    assert response["Location"].startswith("/relation-tuples?namespace=Document")
    assert "subject_set.relation=members" in response["Location"]
    assert admin_api.put(ADMIN, GROUP_VIEWER, format="json").status_code == 201
    assert RelationTuple.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "error_id"),
    [
        ({**VIEWER, "namespace": "Nope"}, "unknown_namespace"),
        ({**VIEWER, "relation": "nope"}, "unknown_relation"),
        ({**VIEWER, "relation": "view"}, "unknown_relation"),  # a permit: computed, never stored
        ({**GROUP_VIEWER, "subject_set": {"namespace": "Nope", "object": "x", "relation": ""}}, "unknown_namespace"),
        ({**GROUP_VIEWER, "subject_set": {"namespace": "Group", "object": "x", "relation": "nope"}}, None),
        ({**GROUP_VIEWER, "subject_set": {"namespace": "Group", "object": "x"}}, "invalid_relation_tuple"),
        ({**GROUP_VIEWER, "subject_set": "Group:x#members"}, "invalid_relation_tuple"),
        ({**VIEWER, "subject_set": GROUP_VIEWER["subject_set"]}, "invalid_relation_tuple"),
        ({"namespace": "Document", "object": "d1", "relation": "viewers"}, "invalid_relation_tuple"),
        ({**VIEWER, "object": ""}, "invalid_relation_tuple"),
        ({**VIEWER, "object": 7}, "invalid_relation_tuple"),
        ({**VIEWER, "subject_id": "x" * 300}, "invalid_relation_tuple"),
        ([VIEWER], "invalid_relation_tuple"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(admin_api, documents_model, body, error_id):
    assert_error(admin_api.put(ADMIN, body, format="json"), 400, error_id)
    assert RelationTuple.objects.count() == 0


def test_malformed_json_is_a_400_envelope(admin_api, documents_model):
    body = assert_error(admin_api.generic("PUT", ADMIN, '{"namespace": ', content_type="application/json"))
    assert "parse" in body["reason"]
    assert RelationTuple.objects.count() == 0


def test_without_a_model_every_namespace_is_unknown(admin_api, db):
    body = assert_error(admin_api.put(ADMIN, VIEWER, format="json"), 400, "unknown_namespace")
    assert "no permission model is loaded" in body["reason"]


# --- list ------------------------------------------------------------------------------------
def test_list_filters_like_keto(admin_api, documents_model):
    write_tuples(
        "Document:d1#viewers@alice",
        "Document:d1#owners@alice",
        "Document:d2#viewers@Group:eng#members",
        "Group:eng#members@bob",
    )

    def listed(query: str) -> set[str]:
        response = admin_api.get(f"/relation-tuples?{query}")
        assert response.status_code == 200, response.content
        assert response.json()["next_page_token"] == ""
        return {f"{t['namespace']}:{t['object']}#{t['relation']}" for t in response.json()["relation_tuples"]}

    assert listed("namespace=Document") == {"Document:d1#viewers", "Document:d1#owners", "Document:d2#viewers"}
    assert listed("namespace=Document&object=d1&relation=owners") == {"Document:d1#owners"}
    assert listed("subject_id=alice") == {"Document:d1#viewers", "Document:d1#owners"}
    assert listed("subject_set.namespace=Group&subject_set.object=eng&subject_set.relation=members") == {
        "Document:d2#viewers"
    }
    assert listed("") == {"Document:d1#viewers", "Document:d1#owners", "Document:d2#viewers", "Group:eng#members"}


@pytest.mark.parametrize(
    "query",
    [
        "subject=alice",
        "subject_id=a&subject_set.namespace=Group&subject_set.object=x&subject_set.relation=",
        "subject_set.namespace=Group&subject_set.object=x",
        "namespace=Nope",
        "namespace=Document&relation=nope",
        "page_size=0",
        "page_size=1001",
        "page_size=ten",
        "page_token=garbage",
    ],
)
def test_list_refuses_bad_queries(admin_api, documents_model, query):
    assert_error(admin_api.get(f"/relation-tuples?{query}"))


def test_pagination_returns_each_tuple_once_in_a_stable_order(admin_api, documents_model):
    write_tuples(*(f"Document:d{i}#viewers@user{i}" for i in range(25)))
    seen, token, pages = [], "", 0
    while True:
        response = admin_api.get(f"/relation-tuples?namespace=Document&page_size=10&page_token={token}")
        body = response.json()
        seen += [t["object"] for t in body["relation_tuples"]]
        pages += 1
        token = body["next_page_token"]
        if not token:
            break
        write_tuples(f"Document:new{pages}#viewers@late")  # writes between pages do not disturb paging
    assert pages == 3
    assert len(seen) == len(set(seen)) >= 25
    assert {f"d{i}" for i in range(25)} <= set(seen)


# --- delete ----------------------------------------------------------------------------------
def test_delete_by_query(admin_api, documents_model):
    write_tuples("Document:d1#viewers@alice", "Document:d1#owners@alice", "Document:d2#viewers@alice")
    response = admin_api.delete(f"{ADMIN}?namespace=Document&object=d1&subject_id=alice")
    assert response.status_code == 204
    assert [str(r) for r in RelationTuple.objects.all()] == ["Document:d2#viewers@alice"]
    assert admin_api.delete(f"{ADMIN}?namespace=Document&object=d1").status_code == 204  # nothing left: fine


@pytest.mark.parametrize(
    "query",
    ["", "object=d1", "namespace=Document&colour=red", "namespace=Nope", "namespace=Document&subject_set.object=x"],
)
def test_delete_refuses_bad_queries_and_deletes_nothing(admin_api, documents_model, query):
    write_tuples("Document:d1#viewers@alice")
    assert_error(admin_api.delete(f"{ADMIN}?{query}"))
    assert RelationTuple.objects.count() == 1


# --- patch -----------------------------------------------------------------------------------
def test_patch_applies_inserts_and_deletes(admin_api, documents_model):
    write_tuples("Document:d1#owners@bob")
    patch = [
        {"action": "insert", "relation_tuple": VIEWER},
        {"action": "insert", "relation_tuple": GROUP_VIEWER},
        {"action": "delete", "relation_tuple": {**VIEWER, "relation": "owners", "subject_id": "bob"}},
    ]
    assert admin_api.patch(ADMIN, patch, format="json").status_code == 204
    assert {str(r) for r in RelationTuple.objects.all()} == {
        "Document:d1#viewers@alice",
        "Document:d1#viewers@Group:eng#members",
    }


@pytest.mark.parametrize(
    "bad",
    [
        {"action": "insert", "relation_tuple": {**VIEWER, "namespace": "Nope"}},
        {"action": "upsert", "relation_tuple": VIEWER},
        {"action": "insert"},
        "insert Document:d1#viewers@x",
    ],
)
def test_patch_is_all_or_nothing(admin_api, documents_model, bad):
    write_tuples("Document:d1#owners@bob")
    patch = [
        {"action": "insert", "relation_tuple": GROUP_VIEWER},
        {"action": "delete", "relation_tuple": {**VIEWER, "relation": "owners", "subject_id": "bob"}},
        bad,
    ]
    assert_error(admin_api.patch(ADMIN, patch, format="json"))
    assert [str(r) for r in RelationTuple.objects.all()] == ["Document:d1#owners@bob"]


# --- check -----------------------------------------------------------------------------------
CHECK = "namespace=Document&object=d1&relation=view"


def test_check_mirrors_the_answer_in_the_status(admin_api, documents_model):
    write_tuples("Document:d1#viewers@Group:eng#members", "Group:eng#members@alice")
    allowed = admin_api.get(f"/relation-tuples/check?{CHECK}&subject_id=alice")
    assert (allowed.status_code, allowed.json()) == (200, {"allowed": True})
    denied = admin_api.get(f"/relation-tuples/check?{CHECK}&subject_id=bob")
    assert (denied.status_code, denied.json()) == (403, {"allowed": False})
    body = {"namespace": "Document", "object": "d1", "relation": "view", "subject_id": "bob"}
    assert admin_api.post("/relation-tuples/check", body, format="json").status_code == 403
    assert admin_api.post("/relation-tuples/check", {**body, "subject_id": "alice"}, format="json").status_code == 200


def test_check_openapi_always_answers_200(admin_api, documents_model):
    write_tuples("Document:d1#viewers@alice")
    for subject, allowed in (("alice", True), ("bob", False)):
        response = admin_api.get(f"/relation-tuples/check/openapi?{CHECK}&subject_id={subject}")
        assert (response.status_code, response.json()) == (200, {"allowed": allowed})
        body = {"namespace": "Document", "object": "d1", "relation": "view", "subject_id": subject}
        response = admin_api.post("/relation-tuples/check/openapi", body, format="json")
        assert (response.status_code, response.json()) == (200, {"allowed": allowed})


def test_check_max_depth_can_only_lower_the_limit(admin_api, documents_model, settings):
    write_tuples("Document:d1#viewers@Group:a#members", "Group:a#members@Group:b#members", "Group:b#members@alice")
    url = f"/relation-tuples/check/openapi?{CHECK}&subject_id=alice"
    assert admin_api.get(url).json() == {"allowed": True}
    cut = admin_api.get(url + "&max-depth=3")
    assert cut.json() == {"allowed": False}
    assert cut["Ory-Check-Limitation"] == "max_depth_exceeded"  # denied for lack of depth, and says so
    assert "Ory-Check-Limitation" not in admin_api.get(url.replace("alice", "bob"))
    assert admin_api.get(url + "&max-depth=4").json() == {"allowed": True}
    batch = {"tuples": [{"namespace": "Document", "object": "d1", "relation": "view", "subject_id": "alice"}]}
    cut = admin_api.post("/relation-tuples/batch/check?max-depth=3", batch, format="json").json()
    assert cut == {"results": [{"allowed": False, "error": "max_depth_exceeded"}]}
    settings.PERMISSIONS_MAX_DEPTH = 3
    assert admin_api.get(url + "&max-depth=50").json() == {"allowed": False}


@pytest.mark.parametrize(
    "query",
    [
        f"{CHECK}",  # no subject
        "namespace=Document&object=d1&subject_id=a",  # no relation
        f"{CHECK}&subject_id=a&max-depth=deep",
        "namespace=Nope&object=d1&relation=view&subject_id=a",
        "namespace=Document&object=d1&relation=nope&subject_id=a",
        f"{CHECK}&subject_set.namespace=Group&subject_set.object=eng",
    ],
)
def test_check_refuses_bad_input(admin_api, documents_model, query):
    assert_error(admin_api.get(f"/relation-tuples/check?{query}"))
    assert_error(admin_api.get(f"/relation-tuples/check/openapi?{query}"))


def test_post_check_refuses_malformed_bodies(admin_api, documents_model):
    assert_error(admin_api.post("/relation-tuples/check", ["x"], format="json"))
    assert_error(admin_api.generic("POST", "/relation-tuples/check", "{", content_type="application/json"))


# --- batch check -----------------------------------------------------------------------------
def test_batch_check_answers_in_order_with_errors_in_place(admin_api, documents_model):
    write_tuples("Document:d1#viewers@alice")
    tuples = [{**VIEWER, "relation": "view"}, {**VIEWER, "namespace": "Nope"}, {**VIEWER, "subject_id": "bob"}]
    tuples.append({"namespace": "Document", "object": "d1", "relation": "view"})
    tuples += [{**VIEWER, "relation": "view", "subject_id": f"user{i}"} for i in range(146)]
    response = admin_api.post("/relation-tuples/batch/check", {"tuples": tuples}, format="json")
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == 150
    assert results[0] == {"allowed": True}
    assert results[1]["allowed"] is False and "Nope" in results[1]["error"]
    assert results[2] == {"allowed": False}
    assert results[3]["allowed"] is False and "subject" in results[3]["error"]
    assert all(result == {"allowed": False} for result in results[4:])


def test_batch_check_limits_the_batch_size(admin_api, documents_model, settings):
    settings.PERMISSIONS_BATCH_CHECK_MAX_SIZE = 3
    body = {"tuples": [VIEWER] * 4}
    assert (
        "maximum size" in assert_error(admin_api.post("/relation-tuples/batch/check", body, format="json"))["message"]
    )
    assert_error(admin_api.post("/relation-tuples/batch/check", {"tuple": []}, format="json"))


# --- expand, namespaces, OPL -----------------------------------------------------------------
def test_expand_returns_ketos_tree(admin_api, documents_model):
    write_tuples("Group:eng#members@alice", "Group:eng#members@Group:ops#members", "Group:ops#members@bob")
    response = admin_api.get("/relation-tuples/expand?namespace=Group&object=eng&relation=members&max-depth=5")
    assert response.status_code == 200
    tree = response.json()
    assert tree["type"] == "union"
    assert tree["tuple"]["subject_set"] == {"namespace": "Group", "object": "eng", "relation": "members"}
    children = {
        (c["type"], c["tuple"].get("subject_id") or c["tuple"]["subject_set"]["object"]) for c in tree["children"]
    }
    assert children == {("leaf", "alice"), ("union", "ops")}
    ops = next(c for c in tree["children"] if c["type"] == "union")
    assert ops["children"] == [
        {"type": "leaf", "tuple": {"namespace": "", "object": "", "relation": "", "subject_id": "bob"}}
    ]


@pytest.mark.parametrize("query", ["namespace=Group&object=eng", "namespace=Nope&object=x&relation=members"])
def test_expand_refuses_bad_input(admin_api, documents_model, query):
    assert_error(admin_api.get(f"/relation-tuples/expand?{query}"))


def test_namespaces_are_the_classes_of_the_active_model(admin_api, documents_model, load_model):
    assert admin_api.get("/namespaces").json() == {
        "namespaces": [{"name": "User"}, {"name": "Group"}, {"name": "Folder"}, {"name": "Document"}]
    }
    load_model("class Team implements Namespace {}")
    assert admin_api.get("/namespaces").json() == {"namespaces": [{"name": "Team"}]}


def test_opl_syntax_check(admin_api, db):
    ok = admin_api.post("/opl/syntax/check", "class A implements Namespace {}", content_type="text/plain")
    assert (ok.status_code, ok.json()) == (200, {"errors": []})
    bad = admin_api.post(
        "/opl/syntax/check",
        "class A implements Namespace {\n  related: { x: B[] }\n}",
        content_type="text/plain",
    )
    assert bad.status_code == 200
    assert bad.json()["errors"] == [
        {
            "message": "namespace 'B' was not declared",
            "start": {"Line": 2, "column": 17},
            "end": {"Line": 2, "column": 18},
        }
    ]


def test_openapi_document_names_every_keto_operation(admin_api):
    schema = admin_api.get("/api/schema", HTTP_ACCEPT="application/json").json()
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert operations >= {
        "getRelationships",
        "checkPermission",
        "postCheckPermission",
        "checkPermissionOrError",
        "postCheckPermissionOrError",
        "batchCheckPermission",
        "expandPermissions",
        "listRelationshipNamespaces",
        "checkOplSyntax",
        "createRelationship",
        "deleteRelationships",
        "patchRelationships",
    }
