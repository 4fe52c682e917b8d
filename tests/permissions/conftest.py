"""Fixtures for the permissions tests: loading models and writing tuples in Keto's notation."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from permissions_app.engine import CheckResult, check
from permissions_app.models import PermissionModel, RelationTuple, row_fields
from permissions_app.schema import schema_cache_clear
from permissions_app.services import permission_model_load
from permissions_app.tuples import parse_tuple

DOCUMENTS_MODEL = """
import { Namespace, SubjectSet, Context } from "@ory/keto-namespace-types"

class User implements Namespace {}

class Group implements Namespace {
  related: {
    members: (User | SubjectSet<Group, "members">)[]
  }
}

class Folder implements Namespace {
  related: {
    viewers: (User | SubjectSet<Group, "members">)[]
    parents: Folder[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) || this.related.parents.traverse((f) => f.permits.view(ctx)),
  }
}

class Document implements Namespace {
  related: {
    owners: (User | SubjectSet<Group, "members">)[]
    viewers: (User | SubjectSet<Group, "members">)[]
    banned: User[]
    parents: Folder[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      (this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx) ||
        this.related.parents.traverse((f) => f.permits.view(ctx))) &&
      !this.related.banned.includes(ctx.subject),
    edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  }
}
"""


@pytest.fixture(autouse=True)
def _fresh_schema_cache():
    """Each test sees the model its own transaction activated, never a cached one."""
    schema_cache_clear()
    yield
    schema_cache_clear()


@pytest.fixture
def load_model(db) -> Callable[[str], PermissionModel]:
    def load(source: str) -> PermissionModel:
        return permission_model_load(source=source).version

    return load


@pytest.fixture
def documents_model(load_model) -> PermissionModel:
    return load_model(DOCUMENTS_MODEL)


def write_tuples(*notations: str) -> None:
    """Insert tuples given in Keto's notation, bypassing validation (tests of odd data)."""
    RelationTuple.objects.bulk_create(
        [RelationTuple(**row_fields(parse_tuple(text))) for text in notations], ignore_conflicts=True
    )


@pytest.fixture
def tuples(db) -> Callable[..., None]:
    return write_tuples


def check_text(notation: str, max_depth: int | None = None, **options) -> CheckResult:
    return check(parse_tuple(notation), max_depth=max_depth, **options)
