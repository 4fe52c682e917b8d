"""Staff console pages for platform objects: admin API keys."""

from __future__ import annotations

from django.contrib import admin, messages
from django.template.response import TemplateResponse

from ory_platform.api_keys import api_key_create, api_key_revoke
from ory_platform.errors import OryError
from ory_platform.models import ApiKey


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix"]
    fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        # A key's name is fixed once issued; only a new key gets a name.
        return [*self.readonly_fields, "name"] if obj else self.readonly_fields

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: revoked keys stay for the audit trail

    def save_model(self, request, obj, form, change):
        if change:
            return
        issued = api_key_create(name=form.cleaned_data["name"])
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(issued.api_key, field.attname))
        obj._state.adding = False
        obj._state.db = issued.api_key._state.db
        request.issued_api_key_secret = issued.secret

    def response_add(self, request, obj, post_url_continue=None):
        # Show the key on this response only; it is never stored or put in a message/session.
        context = {
            **self.admin_site.each_context(request),
            "title": f"API key {obj.name!r} created",
            "api_key": obj,
            "secret": request.issued_api_key_secret,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/ory_platform/apikey/created.html", context)

    @admin.action(description="Revoke selected API keys", permissions=["change"])
    def revoke_keys(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            try:
                api_key_revoke(api_key_id=api_key.pk)
                revoked += 1
            except OryError:
                pass  # revoked meanwhile
        self.message_user(request, f"Revoked {revoked} API key(s).", messages.SUCCESS)
