"""The permissions benchmark workload: users, nested groups and documents (deterministic).

``scale=1`` is the ~11k-tuple workload of issue 3: 2,000 users; 200 groups nested as a binary
tree of member sets (about 8 levels); 3,000 documents, each with an owner, one or two viewer
groups and, for one in ten, a banned user. ``scale=100`` is the ~1M-tuple variant: a forest of
100 such group trees and 100 times the users and documents, so that checks meet the same
nesting depth in a hundred times more data.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

MODEL = """
class User implements Namespace {}

class Group implements Namespace {
  related: {
    members: (User | SubjectSet<Group, "members">)[]
  }
}

class Document implements Namespace {
  related: {
    owners: User[]
    viewers: (User | SubjectSet<Group, "members">)[]
    banned: User[]
  }
  permits = {
    view: (ctx: Context): boolean =>
      (this.related.viewers.includes(ctx.subject) || this.permits.edit(ctx)) &&
      !this.related.banned.includes(ctx.subject),
    edit: (ctx: Context): boolean => this.related.owners.includes(ctx.subject),
  }
}
"""

GROUPS_PER_TREE = 200


@dataclass
class Workload:
    users: int
    groups: int
    documents: int
    tuples: list[str] = field(default_factory=list)
    group_members: dict[int, list[int]] = field(default_factory=dict)  # group -> users directly in it
    children: dict[int, list[int]] = field(default_factory=dict)  # group -> member groups
    owners: dict[int, int] = field(default_factory=dict)
    viewer_groups: dict[int, list[int]] = field(default_factory=dict)
    banned: dict[int, int] = field(default_factory=dict)

    def subtree_users(self, group: int) -> list[int]:
        found, stack = [], [group]
        while stack:
            current = stack.pop()
            found += self.group_members.get(current, [])
            stack += self.children.get(current, [])
        return found


def generate(scale: int = 1, seed: int = 7) -> Workload:
    rng = random.Random(seed)
    work = Workload(users=2000 * scale, groups=GROUPS_PER_TREE * scale, documents=3000 * scale)
    add = work.tuples.append
    for tree in range(scale):
        base = tree * GROUPS_PER_TREE
        for index in range(1, GROUPS_PER_TREE):
            parent, child = base + (index - 1) // 2, base + index
            work.children.setdefault(parent, []).append(child)
            add(f"Group:g{parent}#members@Group:g{child}#members")
    for user in range(work.users):
        for group in rng.sample(range(work.groups), rng.choice((1, 1, 2))):
            work.group_members.setdefault(group, []).append(user)
            add(f"Group:g{group}#members@user{user}")
    for document in range(work.documents):
        owner = rng.randrange(work.users)
        work.owners[document] = owner
        add(f"Document:doc{document}#owners@user{owner}")
        groups = rng.sample(range(work.groups), rng.choice((1, 2)))
        work.viewer_groups[document] = groups
        for group in groups:
            add(f"Document:doc{document}#viewers@Group:g{group}#members")
        if rng.random() < 0.1:
            banned = rng.randrange(work.users)
            work.banned[document] = banned
            add(f"Document:doc{document}#banned@user{banned}")
    return work


def mixed_checks(work: Workload, count: int = 1000, seed: int = 11) -> list[tuple[str, str, str, str]]:
    """``count`` checks ``(namespace, object, relation, subject_id)``: a third granted through
    nested groups, a sixth to owners (view and edit), a tenth to banned users, the rest random."""
    rng = random.Random(seed)
    checks = []
    while len(checks) < count:
        document = rng.randrange(work.documents)
        kind = rng.random()
        relation = "view"
        if kind < 0.33:
            members = work.subtree_users(rng.choice(work.viewer_groups[document]))
            if not members:
                continue
            user = rng.choice(members)
        elif kind < 0.5:
            user = work.owners[document]
            relation = rng.choice(("view", "edit"))
        elif kind < 0.6 and document in work.banned:
            user = work.banned[document]
        else:
            user = rng.randrange(work.users)
        checks.append(("Document", f"doc{document}", relation, f"user{user}"))
    return checks
