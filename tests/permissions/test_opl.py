"""The OPL parser and type checker: Keto's syntax, its rewrite trees, and errors with positions."""

from __future__ import annotations

import pytest

from permissions_app.opl import InvalidModel, check_model, parse_model
from permissions_app.opl.ast import (
    ComputedSubjectSet,
    InvertResult,
    Operator,
    RelationType,
    SubjectSetRewrite,
    TupleToSubjectSet,
)

OR, AND = Operator.OR, Operator.AND
C = ComputedSubjectSet

KETO_FULL_EXAMPLE = """
  import { Namespace, SubjectSet, FooBar, Anything } from '@ory/keto-namespace-types'

  class User implements Namespace {
    related: {
      manager: User[];
    }
  }

  class Group implements Namespace {
    related: {
      members: (User | Group)[];
    };
  }

  class Folder implements Namespace {
    related: {
      parents: Array<File>
      viewers: Array<SubjectSet<Group, "members">>
    }

    permits = {
      view: (ctx: Context): boolean => this.related.viewers.includes(ctx.subject),
    }
  }

  class File implements Namespace {
    related: {
      parents: Array<File | Folder>
      viewers: (User | SubjectSet<Group, "members">)[]
      "owners": (User | SubjectSet<Group, "members">)[]
      siblings: File[]
    }

    // Some comment
    permits = {
      view: (ctx: Context): boolean =>
        (
        this.related.parents.traverse((p) /* comment */ =>
          p.related.viewers.includes(ctx.subject),
        ) && // comment
        this.related.parents.traverse(p => p.permits.view(ctx)) ) ||
        (this.related.viewers.includes(ctx.subject) || // some comment
        this.related.viewers.includes(ctx.subject) || /* another comment */
        this.related.viewers.includes(ctx.subject) ) ||
        this.related.owners.includes(ctx.subject),

      'edit': (ctx: Context) => this.related.owners.includes(ctx.subject),

      not: (ctx: Context) => !this.related.owners.includes(ctx.subject),

      rename: (ctx: Context) =>
        this.related.siblings.traverse(s => s.permits.edit(ctx)),
    }
  }
"""


def _permit(source: str, namespace: str, name: str) -> SubjectSetRewrite:
    return parse_model(source).permit(namespace, name).rewrite


def test_ketos_full_example_parses():
    schema = parse_model(KETO_FULL_EXAMPLE)
    assert list(schema.namespaces) == ["User", "Group", "Folder", "File"]
    file = schema.namespaces["File"]
    assert list(file.relations) == ["parents", "viewers", "owners", "siblings"]
    assert file.relations["viewers"].types == (RelationType("User"), RelationType("Group", "members"))
    assert file.relations["parents"].types == (RelationType("File"), RelationType("Folder"))
    assert list(file.permits) == ["view", "edit", "not", "rename"]
    assert file.permits["view"].rewrite == SubjectSetRewrite(
        OR,
        (
            SubjectSetRewrite(AND, (TupleToSubjectSet("parents", "viewers"), TupleToSubjectSet("parents", "view"))),
            C("viewers"),
            C("viewers"),
            C("viewers"),
            C("owners"),
        ),
    )
    assert file.permits["not"].rewrite == SubjectSetRewrite(OR, (InvertResult(C("owners")),))
    assert file.permits["rename"].rewrite == SubjectSetRewrite(OR, (TupleToSubjectSet("siblings", "edit"),))


def test_quoted_property_names():
    schema = parse_model("""
      class Resource implements Namespace {
        related: { "scope.relation": Resource[] }
        permits = {
          "scope.action_0": (ctx: Context) =>
            this.related["scope.relation"].traverse((r) => r.permits["scope.action_1"](ctx)),
          "scope.action_1": (ctx: Context) =>
            this.related["scope.relation"].traverse((r) => r.related["scope.relation"].includes(ctx.subject)),
          "scope.action_2": (ctx: Context) => this.permits["scope.action_0"](ctx),
        }
      }
    """)  # fmt: skip
    assert schema.permit("Resource", "scope.action_2").rewrite == SubjectSetRewrite(OR, (C("scope.action_0"),))


PERMITS = """
class A implements Namespace {{
  related: {{ a: A[]  b: A[]  c: A[] }}
  permits = {{ p: (ctx: Context): boolean => {expression}, q: (ctx) => this.related.a.includes(ctx.subject) }}
}}
"""
A, B, Q = C("a"), C("b"), C("q")
INC = "this.related.{}.includes(ctx.subject)"


@pytest.mark.parametrize(
    ("expression", "tree"),
    [
        # Keto: || and && have equal precedence and group from the left.
        (f"{INC.format('a')} || {INC.format('b')} && {INC.format('c')}",
         SubjectSetRewrite(AND, (SubjectSetRewrite(OR, (A, B)), C("c")))),
        (f"{INC.format('a')} && {INC.format('b')} || {INC.format('c')}",
         SubjectSetRewrite(OR, (SubjectSetRewrite(AND, (A, B)), C("c")))),
        (f"{INC.format('a')} && ({INC.format('b')} || {INC.format('c')})",
         SubjectSetRewrite(AND, (A, SubjectSetRewrite(OR, (B, C("c")))))),
        # same-operator groups and one-element groups are flattened
        (f"{INC.format('a')} || ({INC.format('b')} || this.permits.q(ctx))", SubjectSetRewrite(OR, (A, B, Q))),
        (f"(({INC.format('a')}))", SubjectSetRewrite(OR, (A,))),
        # ! takes one call or one group; a negated group is kept as a group
        (f"!{INC.format('a')} && !({INC.format('b')})",
         SubjectSetRewrite(AND, (InvertResult(A), InvertResult(SubjectSetRewrite(OR, (B,)))))),
    ],
)  # fmt: skip
def test_rewrite_trees_follow_keto(expression, tree):
    assert _permit(PERMITS.format(expression=expression), "A", "p") == tree


def _errors(source: str) -> list[tuple[int, int, str]]:
    return [(e.span.start.line, e.span.start.column, e.message) for e in check_model(source)]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("/* comment???", [(1, 1, "unclosed comment")]),
        ("class A implements Namespace { related: { 'x: A[] } }", [(1, 43, "unclosed string literal")]),
        ("class A implements Namespace { # }", [(1, 32, "unexpected character '#'")]),
        ("class A implements Namespce {}", [(1, 20, "expected 'Namespace', got 'Namespce'")]),
        ("function f() {}", [(1, 1, "expected 'class' or 'import', got 'function'")]),
        (
            "class A implements Namespace {\n  permits = {\n    p: (ctx) => ||\n  }\n}",
            [(3, 17, "expected 'this', got '||'")],
        ),
        (
            "class A implements Namespace {\n  permits = { p: (ctx: Ctx): bool => this.permits.p(ctx) }\n}",
            [(2, 24, "unexpected type annotation 'Ctx', expected 'Context'"),
             (2, 30, "unexpected type annotation 'bool', expected 'boolean'")],
        ),
    ],
)  # fmt: skip
def test_syntax_errors_carry_line_and_column(source, expected):
    assert _errors(source) == expected


def test_every_broken_class_is_reported():
    source = "class A implements Namespace { oops }\nclass B implements Namespace { related: { x: } }\n"
    assert _errors(source) == [
        (1, 32, "expected 'related', 'permits' or '}', got 'oops'"),
        (2, 46, "expected a type, got '}'"),
    ]


def test_type_errors():
    source = """class User implements Namespace {}
class Doc implements Namespace {
  related: { owners: (User | Team)[]  viewers: SubjectSet<User, "members">[]  parent: Doc[] }
  permits = {
    a: (ctx) => this.related.editors.includes(ctx.subject),
    b: (ctx) => this.permits.owners(ctx),
    c: (ctx) => this.related.a.includes(ctx.subject),
    d: (ctx) => this.permits.nothing(ctx),
    e: (ctx) => this.related.parent.traverse(p => p.permits.missing(ctx)),
    f: (ctx) => this.related.owners.traverse(o => o.related.viewers.includes(ctx.subject)),
  }
}"""
    assert _errors(source) == [
        (3, 30, "namespace 'Team' was not declared"),
        (3, 65, "namespace 'User' did not declare relation 'members'"),
        (5, 30, "namespace 'Doc' did not declare relation 'editors'"),
        (6, 30, "'owners' is a relation of namespace 'Doc', not a permit: "
                "use this.related.owners.includes(ctx.subject)"),
        (7, 30, "'a' is a permit of namespace 'Doc', not a relation: use this.permits.a(ctx)"),
        (8, 30, "namespace 'Doc' did not declare permit 'nothing'"),
        (9, 61, "namespace 'Doc' (a type of relation 'parent') did not declare permit 'missing'"),
        (10, 61, "namespace 'User' (a type of relation 'owners') did not declare relation 'viewers'"),
    ]  # fmt: skip


def test_duplicates_and_long_names_are_refused():
    long_name = "r" * 65
    source = f"""class A implements Namespace {{ related: {{ x: A[]  x: A[]  {long_name}: A[] }} }}
class A implements Namespace {{}}"""
    messages = [message for _, _, message in _errors(source)]
    assert messages == [
        "'x' is declared twice in this class",
        "names are limited to 64 characters",
        "class 'A' is declared twice",
    ]


def test_permits_calling_each_other_without_spending_depth_are_refused():
    source = """class A implements Namespace {
  related: { x: A[] }
  permits = {
    p: (ctx) => this.permits.q(ctx) && this.related.x.includes(ctx.subject),
    q: (ctx) => !this.permits.p(ctx),
  }
}"""
    assert [message for _, _, message in _errors(source)] == [
        "permits p -> q -> p of namespace 'A' call each other through '&&' or '!' without ever consuming depth"
    ]
    # Through || (or a traverse) every call costs depth, so such cycles end at the depth limit.
    fine = source.replace("this.permits.q(ctx) && this", "this.permits.q(ctx) || this")
    assert check_model(fine) == []


def test_nesting_is_limited():
    deep = "(" * 11 + "this.permits.p(ctx)" + ")" * 11
    errors = _errors(f"class A implements Namespace {{ permits = {{ p: (ctx) => {deep} }} }}")
    assert errors[0][2] == "expression nested too deeply; the maximal nesting depth is 10"


def test_parse_model_raises_with_every_error():
    with pytest.raises(InvalidModel) as refused:
        parse_model("class A implements Namespace { related: { x: B[]  y: C[] } }")
    assert [str(e) for e in refused.value.errors] == [
        "line 1, column 46: namespace 'B' was not declared",
        "line 1, column 54: namespace 'C' was not declared",
    ]
    assert refused.value.errors[0].to_api() == {
        "message": "namespace 'B' was not declared",
        "start": {"Line": 1, "column": 46},
        "end": {"Line": 1, "column": 47},
    }
