"""Staff console for identities and sessions. Every change goes through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Q

from identity_app.admin_factors import IdentityFactorsAdminMixin
from identity_app.courier import message_retry
from identity_app.models import CourierDispatch, CourierMessage, Credential, Identity, Session
from identity_app.services.identities import identity_set_console_access, identity_set_state
from identity_app.services.sessions import session_revoke, sessions_revoke_for_identity


class CredentialInline(admin.TabularInline):
    """Which ways the identity can sign in, and under which identifiers: never the secrets."""

    model = Credential
    fields = ["type", "identifier_list", "version", "created_at", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="identifiers")
    def identifier_list(self, credential: Credential) -> str:
        return ", ".join(row.identifier for row in credential.identifiers.all()) or "—"


class SessionInline(admin.TabularInline):
    model = Session
    fields = ["id", "active", "aal", "authenticated_at", "expires_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-authenticated_at"]
    max_num = 0

    def get_queryset(self, request):
        return super().get_queryset(request).filter(active=True)


@admin.register(Identity)
class IdentityAdmin(IdentityFactorsAdminMixin, admin.ModelAdmin):
    list_display = ["display_name", "primary_email", "state", "factors", "is_staff", "created_at"]
    list_filter = ["state", "is_staff", "schema_id"]
    search_fields = ["id", "external_id"]
    ordering = ["-created_at"]
    readonly_fields = [
        "id",
        "schema_id",
        "traits",
        "state",
        "state_changed_at",
        "metadata_public",
        "metadata_admin",
        "external_id",
        "created_at",
        "updated_at",
        "last_login",
        "factors",
    ]
    fields = [*readonly_fields, "is_staff", "is_superuser"]
    inlines = [CredentialInline, SessionInline]
    actions = ["deactivate", "activate", "revoke_sessions", *IdentityFactorsAdminMixin.factor_actions]

    def has_add_permission(self, request) -> bool:
        return False  # identities are created through registration, the admin API or import_identities

    def save_model(self, request, obj, form, change):
        identity_set_console_access(
            identity_id=obj.pk, is_staff=form.cleaned_data["is_staff"], is_superuser=form.cleaned_data["is_superuser"]
        )

    def get_search_results(self, request, queryset, search_term):
        """Search by identifier (e-mail, username) and by any text inside the traits, besides ids."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            by_identifier = queryset.filter(credentials__identifiers__identifier__icontains=term)
            by_address = queryset.filter(verifiable_addresses__value__icontains=term)
            by_traits = queryset.filter(Q(traits__icontains=term))
            results = (results | by_identifier | by_address | by_traits).distinct()
            may_have_duplicates = True
        return results, may_have_duplicates

    @admin.display(description="email")
    def primary_email(self, identity: Identity) -> str:
        traits = identity.traits if isinstance(identity.traits, dict) else {}
        return str(traits.get("email", ""))

    @admin.action(description="Deactivate selected identities (ends their sessions)", permissions=["change"])
    def deactivate(self, request, queryset):
        for identity_id in queryset.values_list("pk", flat=True):
            identity_set_state(identity_id=identity_id, state=Identity.State.INACTIVE)
        self.message_user(request, "Deactivated the selected identities.", messages.SUCCESS)

    @admin.action(description="Activate selected identities", permissions=["change"])
    def activate(self, request, queryset):
        for identity_id in queryset.values_list("pk", flat=True):
            identity_set_state(identity_id=identity_id, state=Identity.State.ACTIVE)
        self.message_user(request, "Activated the selected identities.", messages.SUCCESS)

    @admin.action(description="Revoke all sessions of selected identities", permissions=["change"])
    def revoke_sessions(self, request, queryset):
        total = sum(sessions_revoke_for_identity(identity_id=pk) for pk in queryset.values_list("pk", flat=True))
        self.message_user(request, f"Revoked {total} session(s).", messages.SUCCESS)


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["id", "identity", "active", "aal", "authenticated_at", "expires_at"]
    list_filter = ["active", "aal"]
    search_fields = ["id", "identity__id"]
    list_select_related = ["identity"]
    ordering = ["-authenticated_at"]
    readonly_fields = [
        "id",
        "identity",
        "active",
        "aal",
        "authentication_methods",
        "issued_at",
        "authenticated_at",
        "expires_at",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields
    actions = ["revoke"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke selected sessions", permissions=["change"])
    def revoke(self, request, queryset):
        count = 0
        for session_id in queryset.filter(active=True).values_list("pk", flat=True):
            session_revoke(session_id=session_id)
            count += 1
        self.message_user(request, f"Revoked {count} session(s).", messages.SUCCESS)


class DispatchInline(admin.TabularInline):
    model = CourierDispatch
    fields = ["status", "error", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(CourierMessage)
class CourierMessageAdmin(admin.ModelAdmin):
    list_display = ["recipient", "template_type", "status", "send_count", "created_at"]
    list_filter = ["status", "template_type"]
    search_fields = ["recipient", "subject"]
    ordering = ["-created_at"]
    fields = ["id", "recipient", "subject", "template_type", "status", "send_count", "next_attempt_at", "created_at"]
    readonly_fields = fields
    inlines = [DispatchInline]
    actions = ["retry"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry selected abandoned messages", permissions=["change"])
    def retry(self, request, queryset):
        abandoned = queryset.filter(status=CourierMessage.Status.ABANDONED).values_list("pk", flat=True)
        for message_id in abandoned:
            message_retry(message_id=message_id)
        self.message_user(request, f"Queued {len(abandoned)} message(s) again.", messages.SUCCESS)
