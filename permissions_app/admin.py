"""The staff console: relation tuples, the permission model and its history, and the Check page.

Every change goes through :mod:`permissions_app.services`, as the API's do.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from ory_platform.errors import OryError
from permissions_app import engine
from permissions_app.forms import CheckForm, PermissionModelForm, RelationshipForm
from permissions_app.models import PermissionModel, RelationTuple
from permissions_app.opl import InvalidModel
from permissions_app.services import (
    permission_model_activate,
    permission_model_load,
    relation_tuples_delete_by_id,
    relationship_create,
)


class SubjectKindFilter(admin.SimpleListFilter):
    title = "subject kind"
    parameter_name = "subject_kind"

    def lookups(self, request, model_admin):
        return [("id", "Subject id"), ("set", "Subject set")]

    def queryset(self, request, queryset):
        if self.value() == "id":
            return queryset.filter(subject_set_namespace="")
        if self.value() == "set":
            return queryset.exclude(subject_set_namespace="")
        return queryset


@admin.register(RelationTuple)
class RelationTupleAdmin(admin.ModelAdmin):
    list_display = ["namespace", "object", "relation", "subject_display", "created_at"]
    list_filter = ["namespace", "relation", SubjectKindFilter, "subject_set_namespace"]
    search_fields = ["object", "subject_id", "subject_set_object"]
    ordering = ["namespace", "object", "relation"]
    show_full_result_count = False  # counting a million tuples on every page view is wasteful
    change_list_template = "admin/permissions_app/relationtuple/change_list.html"
    actions = ["delete_tuples"]

    @admin.display(description="subject")
    def subject_display(self, obj: RelationTuple) -> str:
        return str(obj.subject)

    def get_search_results(self, request, queryset, search_term):
        """A search in Keto's notation (``Group:eng#members``) finds that subject set too."""
        queryset, duplicates = super().get_search_results(request, queryset, search_term)
        if ":" in search_term:
            namespace, _, rest = search_term.strip().partition(":")
            object_, _, relation = rest.partition("#")
            subject_set = Q(subject_set_namespace=namespace, subject_set_object=object_)
            if "#" in rest:
                subject_set &= Q(subject_set_relation=relation)
            queryset |= self.model.objects.filter(subject_set)
        return queryset, duplicates

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # tuples are facts: delete one and add another

    @admin.action(description="Delete selected relation tuples", permissions=["delete"])
    def delete_tuples(self, request, queryset):
        deleted = relation_tuples_delete_by_id(ids=queryset.values_list("pk", flat=True))
        self.message_user(request, f"Deleted {deleted} relation tuple(s).", messages.SUCCESS)

    def delete_model(self, request, obj):
        relation_tuples_delete_by_id(ids=[obj.pk])

    def get_urls(self):
        return [
            path("add/", self.admin_site.admin_view(self.add_tuple_view), name="permissions_app_relationtuple_add"),
            path("check/", self.admin_site.admin_view(self.check_view), name="permissions_app_check"),
            *super().get_urls(),
        ]

    def _context(self, request, title: str, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.opts, "title": title, **extra}

    def add_tuple_view(self, request):
        if not self.has_add_permission(request):
            raise admin.sites.PermissionDenied
        form = RelationshipForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                relationship = relationship_create(relationship=form.cleaned_data["relationship"])
            except OryError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(request, f"Stored {relationship}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:permissions_app_relationtuple_changelist"))
        context = self._context(request, "Add relation tuple", form=form)
        return TemplateResponse(request, "admin/permissions_app/relationtuple/add.html", context)

    def check_view(self, request):
        """The ReBAC check: allowed or denied, with the proof or the tree that was searched."""
        if not self.has_view_permission(request):
            raise admin.sites.PermissionDenied
        form = CheckForm(request.GET or None)
        result = proof = None
        if request.GET and form.is_valid():
            try:
                result = engine.check(
                    form.cleaned_data["relationship"], max_depth=form.cleaned_data.get("max_depth"), trace=True
                )
            except OryError as error:
                form.add_error(None, error.message)
            else:
                proof = result.trace.proof() if result.allowed else result.trace
        context = self._context(
            request,
            "Check a permission",
            form=form,
            result=result,
            lines=proof.lines() if proof is not None else [],
        )
        return TemplateResponse(request, "admin/permissions_app/check.html", context)


@admin.register(PermissionModel)
class PermissionModelAdmin(admin.ModelAdmin):
    list_display = ["version", "active_badge", "namespace_list", "origin", "source_name", "created_at", "activated_at"]
    list_filter = ["is_active", "origin"]
    fields = ["version", "is_active", "namespaces", "origin", "source_name", "created_at", "activated_at", "source"]
    readonly_fields = fields
    actions = ["activate_version"]

    @admin.display(description="active", boolean=True)
    def active_badge(self, obj: PermissionModel) -> bool:
        return obj.is_active

    @admin.display(description="namespaces")
    def namespace_list(self, obj: PermissionModel) -> str:
        return ", ".join(obj.namespaces)

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # versions are history: load a new one instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_urls(self):
        return [
            path("add/", self.admin_site.admin_view(self.load_view), name="permissions_app_permissionmodel_add"),
            *super().get_urls(),
        ]

    def load_view(self, request):
        if not self.has_add_permission(request):
            raise admin.sites.PermissionDenied
        form = PermissionModelForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                loaded = permission_model_load(
                    source=form.cleaned_data["source"],
                    origin=PermissionModel.Origin.CONSOLE,
                    source_name=getattr(form.cleaned_data.get("upload"), "name", ""),
                )
            except InvalidModel as error:
                form.add_error("source", [str(e) for e in error.errors])
            else:
                verb = "Activated" if loaded.changed else "Unchanged:"
                self.message_user(request, f"{verb} version {loaded.version.version}.", messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:permissions_app_permissionmodel_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Load a permission model",
            "form": form,
        }
        return TemplateResponse(request, "admin/permissions_app/permissionmodel/load.html", context)

    @admin.action(description="Activate the selected version", permissions=["view"])
    def activate_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version to activate.", messages.ERROR)
            return
        try:
            version = permission_model_activate(version_id=queryset.get().pk)
        except (OryError, InvalidModel) as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, format_html("Version {} is active.", version.version), messages.SUCCESS)
