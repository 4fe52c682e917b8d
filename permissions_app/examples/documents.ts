// An example permission model: users, nested groups, folders and documents.
//
// Load it with `python manage.py load_permission_model permissions_app/examples/documents.ts`
// (`python manage.py setup_demo` does when no model is active yet).
import { Namespace, SubjectSet, Context } from "@ory/keto-namespace-types"

class User implements Namespace {}

class Group implements Namespace {
  related: {
    // Members are users or the members of other groups (groups nest).
    members: (User | SubjectSet<Group, "members">)[]
  }
}

class Folder implements Namespace {
  related: {
    owners: (User | SubjectSet<Group, "members">)[]
    viewers: (User | SubjectSet<Group, "members">)[]
    parents: Folder[]
  }

  permits = {
    // Folders pass their permissions down to everything inside them.
    view: (ctx: Context): boolean =>
      this.related.viewers.includes(ctx.subject) ||
      this.permits.edit(ctx) ||
      this.related.parents.traverse((parent) => parent.permits.view(ctx)),

    edit: (ctx: Context): boolean =>
      this.related.owners.includes(ctx.subject) ||
      this.related.parents.traverse((parent) => parent.permits.edit(ctx)),
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
    // Banned users can see nothing, whatever else grants them access.
    view: (ctx: Context): boolean =>
      (this.related.viewers.includes(ctx.subject) ||
        this.permits.edit(ctx) ||
        this.related.parents.traverse((folder) => folder.permits.view(ctx))) &&
      !this.related.banned.includes(ctx.subject),

    edit: (ctx: Context): boolean =>
      (this.related.owners.includes(ctx.subject) ||
        this.related.parents.traverse((folder) => folder.permits.edit(ctx))) &&
      !this.related.banned.includes(ctx.subject),
  }
}
