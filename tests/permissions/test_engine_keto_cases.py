"""Keto's own documented check cases (``internal/check/*_test.go``), run against this engine."""

from __future__ import annotations

import pytest

from permissions_app.engine import Membership, check_batch
from permissions_app.opl import parse_model
from permissions_app.tuples import parse_tuple
from tests.permissions.conftest import check_text, write_tuples

pytestmark = pytest.mark.django_db

REWRITES_MODEL = """
class User implements Namespace {}
class Doc implements Namespace {
  related: { owner: User[]  parent: Doc[] }
  permits = {
    editor: (ctx: Context) => this.related.owner.includes(ctx.subject),
    viewer: (ctx: Context) => this.permits.editor(ctx) || this.related.parent.traverse(p => p.permits.viewer(ctx))
  }
}
class Group implements Namespace { related: { member: User[] } }
class Level implements Namespace { related: { member: User[] } }
class Resource implements Namespace {
  related: { level: Level[]  owner: Group[] }
  permits = {
    viewer: (ctx: Context) => this.related.owner.traverse(g => g.related.member.includes(ctx.subject)),
    isOwner: (ctx: Context) => this.related.owner.traverse(g => g.related.member.includes(ctx.subject)),
    read: (ctx: Context) => this.permits.viewer(ctx) || this.permits.isOwner(ctx),
    update: (ctx: Context) => this.permits.isOwner(ctx),
    delete: (ctx: Context) => this.permits.isOwner(ctx) &&
      this.related.level.traverse(l => l.related.member.includes(ctx.subject)),
  }
}
class Acl implements Namespace {
  related: { allow: User[]  deny: User[] }
  permits = {
    access: (ctx: Context) => this.related.allow.includes(ctx.subject) && !this.related.deny.includes(ctx.subject)
  }
}
"""

REWRITES_TUPLES = [
    "Doc:document#owner@plain_user",
    "Doc:document#owner@User:user",
    "Doc:folder#owner@plain_user",
    "Doc:folder#owner@User:user",
    "Doc:doc_in_folder#parent@Doc:folder",
    "Doc:folder_a#owner@user",
    "Doc:folder_b#parent@Doc:folder_a",
    "Doc:folder_c#parent@Doc:folder_b",
    "Doc:file#parent@Doc:folder_c",
    "Group:editors#member@mark",
    "Group:editors#member@mike",
    "Level:superadmin#member@mark",
    "Level:superadmin#member@sandy",
    "Resource:topsecret#owner@Group:editors#",
    "Resource:topsecret#level@Level:superadmin#",
    "Acl:document#allow@alice",
    "Acl:document#allow@bob",
    "Acl:document#allow@mallory",
    "Acl:document#deny@mallory",
]


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        ("Doc:document#owner@User:user", True),
        ("Doc:document#editor@User:user", True),
        ("Doc:document#editor@plain_user", True),
        ("Doc:document#viewer@User:user", True),
        ("Doc:document#editor@nobody", False),
        ("Doc:folder#viewer@User:user", True),
        ("Doc:doc_in_folder#viewer@User:user", True),
        ("Doc:doc_in_folder#viewer@plain_user", True),
        ("Doc:doc_in_folder#viewer@nobody", False),
        ("Doc:another_doc#viewer@user", False),
        ("Doc:file#viewer@user", True),
        ("Level:superadmin#member@mark", True),
        ("Resource:topsecret#isOwner@mark", True),
        # an owner traverse intersected with a level traverse
        ("Resource:topsecret#delete@mark", True),
        ("Resource:topsecret#update@mike", True),
        ("Level:superadmin#member@mike", False),
        ("Resource:topsecret#delete@mike", False),
        ("Resource:topsecret#delete@sandy", False),
        # allow && !deny
        ("Acl:document#access@alice", True),
        ("Acl:document#access@bob", True),
        ("Acl:document#allow@mallory", True),
        ("Acl:document#access@mallory", False),
    ],
)
def test_userset_rewrites(load_model, query, allowed):
    load_model(REWRITES_MODEL)
    write_tuples(*REWRITES_TUPLES)
    result = check_text(query, max_depth=100)
    assert result.allowed is allowed
    assert result.membership is (Membership.MEMBER if allowed else Membership.NOT_MEMBER)


def test_delete_proof_shows_both_branches_of_the_intersection(load_model):
    load_model(REWRITES_MODEL)
    write_tuples(*REWRITES_TUPLES)
    proof = check_text("Resource:topsecret#delete@mark", trace=True).trace.proof()
    labels = [node.label for _, node in proof.lines()]
    assert "Level:superadmin#member@mark" in labels
    assert "Group:editors#member@mark" in labels


EXPANSION_MODEL = """
class User implements Namespace {}
class Group implements Namespace { related: { members: (User | SubjectSet<Group, "members">)[] } }
"""
EXPANSION_TUPLES = [
    "Group:company#members@Group:engineering#members",
    "Group:company#members@User:cto",
    "Group:engineering#members@User:manager",
    "Group:engineering#members@Group:frontend#members",
    "Group:engineering#members@Group:backend#members",
    "Group:backend#members@User:Alice",
    "Group:frontend#members@User:Bob",
    "Group:backend#members@Alice",
    "Group:frontend#members@Bob",
]


@pytest.mark.parametrize(
    ("query", "allowed"),
    [
        *((q, True) for q in [
            "Group:backend#members@User:Alice", "Group:backend#members@Alice",
            "Group:frontend#members@User:Bob", "Group:frontend#members@Bob",
            "Group:engineering#members@User:manager",
            "Group:engineering#members@User:Alice", "Group:engineering#members@Alice",
            "Group:engineering#members@User:Bob", "Group:engineering#members@Bob",
            "Group:company#members@User:cto", "Group:company#members@User:manager",
            "Group:company#members@User:Alice", "Group:company#members@Alice",
            "Group:company#members@User:Bob", "Group:company#members@Bob",
        ]),
        *((q, False) for q in [
            "Group:frontend#members@User:Alice", "Group:backend#members@User:Bob",
            "Group:backend#members@User:manager", "Group:backend#members@User:cto",
            "Group:frontend#members@User:manager", "Group:frontend#members@User:cto",
            "Group:engineering#members@User:cto",
        ]),
    ],
)  # fmt: skip
def test_recursive_expansion(load_model, query, allowed):
    load_model(EXPANSION_MODEL)
    write_tuples(*EXPANSION_TUPLES)
    assert check_text(query, max_depth=5).allowed is allowed


@pytest.mark.parametrize(
    ("depth", "allowed"),
    [(1, False), (2, True), (3, True)],
)
def test_max_depth_of_a_two_hop_chain(load_model, depth, allowed):
    """company → engineering → backend ∋ User:Alice needs exactly depth 2."""
    load_model(EXPANSION_MODEL)
    write_tuples(*EXPANSION_TUPLES)
    assert check_text("Group:company#members@User:Alice", max_depth=depth).allowed is allowed


def test_global_max_depth_overrides_a_larger_request(load_model, settings):
    load_model(EXPANSION_MODEL)
    write_tuples(*EXPANSION_TUPLES)
    settings.PERMISSIONS_MAX_DEPTH = 1
    assert not check_text("Group:company#members@User:Alice", max_depth=5).allowed
    settings.PERMISSIONS_MAX_DEPTH = 3
    assert check_text("Group:company#members@User:Alice", max_depth=0).allowed


def test_subject_set_expansion_over_three_hops(load_model):
    load_model("""
        class User implements Namespace {}
        class Group implements Namespace { related: { member: User[] } }
        class File implements Namespace {
          related: {
            editors: (User | SubjectSet<Group, "member">)[]
            viewers: (User | SubjectSet<File, "editors">)[]
          }
        }
    """)
    write_tuples(
        "Group:finance#member@User:Alice",
        "Group:finance#member@User:Bob",
        "File:team-report#editors@Group:finance#member",
        "File:team-report#viewers@File:team-report#editors",
        "File:personal-note#viewers@User:Alice",
        "File:personal-note#viewers@User:Bob",
    )
    for query in ("File:team-report#editors@User:Alice", "File:team-report#viewers@User:Bob"):
        assert check_text(query, max_depth=5).allowed
    assert not check_text("File:personal-note#editors@User:Alice", max_depth=5).allowed
    # Keto's batch case: at depth 1 the two-hop chain is unknown, a direct subject set is found.
    results = check_batch(
        [
            parse_tuple("Group:finance#member@User:Alice"),
            parse_tuple("File:team-report#editors@User:Alice"),
            parse_tuple("File:team-report#viewers@User:Alice"),
            parse_tuple("NonExistent:x#rel@User:Alice"),
            parse_tuple("Group:finance#member@User:Eve"),
            parse_tuple("File:team-report#viewers@File:team-report#editors"),
        ],
        max_depth=1,
    )
    assert [getattr(r, "membership", "error") for r in results] == [
        Membership.MEMBER,
        Membership.MEMBER,
        Membership.UNKNOWN,
        "error",
        # finance holds subject sets (User:Alice, User:Bob) it cannot look into with depth 1
        Membership.UNKNOWN,
        Membership.MEMBER,
    ]
    assert results[2].limitations == results[4].limitations == ("max_depth_exceeded",)
    assert check_batch([parse_tuple("File:team-report#viewers@User:Alice")], max_depth=3)[0].allowed


def test_a_cycle_of_subject_sets_terminates(load_model):
    load_model('class Folder implements Namespace { related: { parent: SubjectSet<Folder, "parent">[] } }')
    write_tuples(
        "Folder:a#parent@Folder:b#parent",
        "Folder:b#parent@Folder:c#parent",
        "Folder:c#parent@Folder:a#parent",
    )
    for start in "abc":
        for member in "abc":
            assert check_text(f"Folder:{start}#parent@Folder:{member}#parent", max_depth=5).allowed
    # Nobody else is in the cycle; with enough depth the search ends and says so.
    result = check_text("Folder:a#parent@outsider", max_depth=25)
    assert result.membership is Membership.NOT_MEMBER


def test_transitive_relations_are_not_implied(load_model):
    load_model("""
        class User implements Namespace {}
        class Directory implements Namespace { related: { access: User[] } }
        class File implements Namespace { related: { parent: Directory[]  access: User[] } }
    """)
    write_tuples("File:report#parent@Directory:docs", "Directory:docs#access@User:Alice")
    assert not check_text("File:report#access@User:Alice").allowed


def test_tuples_stored_on_permits_are_ignored(load_model):
    """Keto's strict mode: a permit is only its rewrite (we refuse such writes; old data may exist)."""
    load_model("""
        class User implements Namespace {}
        class File implements Namespace {
          related: { editors: User[]  viewers: User[] }
          permits = {
            canEdit: (ctx: Context) => this.related.editors.includes(ctx.subject),
            canView: (ctx: Context) => this.permits.canEdit(ctx) || this.related.viewers.includes(ctx.subject),
          }
        }
    """)
    write_tuples(
        "File:secret-doc#editors@User:Alice",
        "File:secret-doc#viewers@User:Bob",
        "File:secret-doc#canEdit@User:Eve",
        "File:secret-doc#canEdit@Eve",
    )
    for query in ("File:secret-doc#canView@User:Bob", "File:secret-doc#canEdit@User:Alice"):
        assert check_text(query).allowed
    for query in ("File:secret-doc#canEdit@User:Eve", "File:secret-doc#canView@Eve"):
        assert not check_text(query).allowed


def test_notion_like_pages(load_model):
    load_model("""
        class User implements Namespace {}
        class Workspace implements Namespace { related: { member: User[] } }
        class Page implements Namespace {
          related: { workspace: Workspace[]  parent: Page[]  viewer: User[]  editor: User[] }
          permits = {
            canView: (ctx: Context) =>
              this.related.viewer.includes(ctx.subject) ||
              this.related.editor.includes(ctx.subject) ||
              this.related.parent.traverse(p => p.permits.canView(ctx)),
            canEdit: (ctx: Context) =>
              this.related.editor.includes(ctx.subject) &&
              this.related.workspace.traverse(w => w.related.member.includes(ctx.subject)),
          }
        }
    """)
    write_tuples(
        "Workspace:acme#member@User:Alice",
        "Workspace:acme#member@User:Bob",
        "Page:home#workspace@Workspace:acme",
        "Page:home#viewer@User:Alice",
        "Page:home#editor@User:Bob",
        "Page:home#editor@User:Eve",
        "Page:intro#workspace@Workspace:acme",
        "Page:intro#parent@Page:home",
        "Page:intro#editor@User:Alice",
    )
    members = ["Page:home#canView@User:Eve", "Page:home#canEdit@User:Bob", "Page:intro#canView@User:Bob"]
    members += ["Page:intro#canEdit@User:Alice", "Page:intro#canView@User:Eve"]
    for query in members:
        assert check_text(query, max_depth=5).allowed, query
    for query in ("Page:home#canEdit@User:Eve", "Page:intro#canEdit@User:Bob", "Page:home#canEdit@User:Alice"):
        assert not check_text(query, max_depth=5).allowed, query


DEPTH_MODEL = """
class User implements Namespace {}
class Group implements Namespace { related: { members: (User | SubjectSet<Group, "members">)[] } }
class Resource implements Namespace {
  related: {
    deepRel: (User | SubjectSet<Group, "members">)[]
    shortRel: (User | SubjectSet<Group, "members">)[]
  }
  permits = {
    union: (ctx: Context) => this.related.deepRel.includes(ctx.subject) || this.related.shortRel.includes(ctx.subject),
    intersection: (ctx: Context) =>
      this.related.deepRel.includes(ctx.subject) && this.related.shortRel.includes(ctx.subject),
    shortButNotDeep: (ctx: Context) =>
      this.related.shortRel.includes(ctx.subject) && !this.related.deepRel.includes(ctx.subject),
    notEither: (ctx: Context) => !this.permits.union(ctx),
  }
}
"""
DEPTH_TUPLES = [
    "Resource:doc#deepRel@Group:deep#members",
    "Resource:doc#shortRel@Group:short#members",
    "Group:deep#members@Group:deep1#members",
    "Group:deep1#members@Group:deep2#members",
    "Group:deep2#members@Group:deep3#members",
    "Group:deep3#members@Group:deep4#members",
    "Group:deep4#members@User:Alice",
    "Group:short#members@Group:short1#members",
    "Group:short1#members@Group:short2#members",
    "Group:short2#members@User:Alice",
    "Group:short2#members@User:Charlie",
]


@pytest.mark.parametrize(
    ("query", "depth", "membership"),
    [
        ("Resource:doc#union@User:Alice", 2, Membership.UNKNOWN),
        ("Resource:doc#union@User:Alice", 4, Membership.MEMBER),
        ("Resource:doc#union@User:Bob", 4, Membership.UNKNOWN),
        ("Resource:doc#intersection@User:Alice", 2, Membership.UNKNOWN),
        ("Resource:doc#intersection@User:Alice", 4, Membership.UNKNOWN),
        ("Resource:doc#intersection@User:Alice", 5, Membership.MEMBER),
        ("Resource:doc#shortButNotDeep@User:Alice", 2, Membership.UNKNOWN),
        ("Resource:doc#shortButNotDeep@User:Alice", 4, Membership.UNKNOWN),
        ("Resource:doc#shortButNotDeep@User:Charlie", 7, Membership.MEMBER),
        ("Resource:doc#notEither@User:Alice", 2, Membership.UNKNOWN),
    ],
)
def test_keto_max_depth_table(load_model, settings, query, depth, membership):
    """Keto's TestDepthLimit: the global depth is lowered, the request asks for 10."""
    load_model(DEPTH_MODEL)
    write_tuples(*DEPTH_TUPLES)
    settings.PERMISSIONS_MAX_DEPTH = depth
    result = check_text(query, max_depth=10)
    assert result.membership is membership
    assert result.allowed is (membership is Membership.MEMBER)
    if membership is Membership.UNKNOWN:
        assert result.limitations == ("max_depth_exceeded",)


WIDTH_MODEL = """
class User implements Namespace {}
class Group implements Namespace { related: { member: (User | SubjectSet<Group, "member">)[] } }
class Resource implements Namespace { related: { readers: (User | SubjectSet<Group, "member">)[] } }
"""


@pytest.mark.parametrize(
    ("subject", "width", "membership"),
    [
        ("User:Alice", 100, Membership.MEMBER),
        ("User:Eve", 100, Membership.NOT_MEMBER),
        ("User:Eve", 2, Membership.UNKNOWN),
    ],
)
def test_width_limit_is_reported_not_guessed(load_model, settings, subject, width, membership):
    load_model(WIDTH_MODEL)
    write_tuples(
        "Resource:doc#readers@Group:alpha#member",
        "Resource:doc#readers@Group:beta#member",
        "Resource:doc#readers@Group:gamma#member",
        "Group:alpha#member@Group:alpha-sub#member",
        "Group:beta#member@Group:beta-sub#member",
        "Group:gamma#member@Group:gamma-sub#member",
        "Group:alpha-sub#member@User:Alice",
        "Group:beta-sub#member@User:Bob",
    )
    settings.PERMISSIONS_MAX_READ_WIDTH = width
    result = check_text(f"Resource:doc#readers@{subject}", max_depth=10)
    assert result.membership is membership
    if membership is Membership.UNKNOWN:
        assert result.limitations == ("max_width_exceeded",)
    if width == 2:
        # Which two of the three groups a truncated read returns is up to the database: a
        # member in them is found, one in the third is unknown, never "not a member".
        bob = check_text("Resource:doc#readers@User:Bob", max_depth=10)
        assert bob.membership in (Membership.MEMBER, Membership.UNKNOWN)


def test_schema_can_be_passed_explicitly(db):
    """Callers holding a parsed model (other apps, tests) skip the active-model lookup."""
    schema = parse_model(EXPANSION_MODEL)
    write_tuples("Group:a#members@x")
    from permissions_app.engine import check

    assert check(parse_tuple("Group:a#members@x"), schema=schema).allowed
