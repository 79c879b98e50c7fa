"""Admin pages for accounts and API tokens: every addition and revocation is audited.

A token is issued on its add page; the key is shown once, in the message after saving,
and only its hash is stored. Tokens are revoked (an action), never deleted or edited.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from casework.api.permissions import SCOPES
from casework.models import ApiToken, User
from casework.services import accounts

CASEWORK_ACCOUNT_FIELDS = ("role", "department", "is_department_head", "subject")


@admin.register(User)
class CaseworkUserAdmin(UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), (_("Casework"), {"fields": CASEWORK_ACCOUNT_FIELDS}))
    add_fieldsets = (*UserAdmin.add_fieldsets, (_("Casework"), {"fields": CASEWORK_ACCOUNT_FIELDS}))
    list_display = ("username", "last_name", "first_name", "role", "department", "is_department_head",
                    "is_staff", "is_active")
    list_filter = ("role", "department", "is_department_head", "is_staff", "is_superuser", "is_active")
    list_select_related = ("department",)
    raw_id_fields = ("subject",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change:  # the admin's changeform runs in one transaction: row and event together
            accounts.audit_user_created(request.user, obj)


class TokenIssueForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=list(SCOPES.items()), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Only a system client's token carries scopes."),
    )

    class Meta:
        model = ApiToken
        fields = ("user", "name", "scopes", "expires_at")

    def __init__(self, *args: Any, actor: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["expires_at"].help_text = _("Empty: the default lifetime (API_TOKEN_DAYS).")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user, expires_at = cleaned.get("user"), cleaned.get("expires_at")
        if user is not None:
            try:
                cleaned["scopes"] = accounts.check_scopes(self.actor, user, cleaned.get("scopes") or [])
            except (ValidationError, PermissionDenied) as error:
                self.add_error("scopes", str(error.messages[0] if hasattr(error, "messages") else error))
        if expires_at is not None and expires_at <= timezone.now():
            self.add_error("expires_at", gettext("The expiry must lie in the future."))
        return cleaned

    def _post_clean(self) -> None:
        # The key hash is made by the service on save, not validated here.
        pass


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "name", "user", "scopes", "created_at", "expires_at", "last_used_at",
                    "revoked_at")
    list_filter = ("revoked_at", "user__role")
    list_select_related = ("user",)
    search_fields = ("prefix", "name", "user__username")
    raw_id_fields = ("user",)
    actions = ["revoke"]
    readonly_fields = ("user", "name", "prefix", "scopes", "created_at", "created_by", "expires_at",
                       "last_used_at", "revoked_at", "revoked_by")

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is not None:
            return super().get_form(request, obj, change=change, **kwargs)
        form_class = TokenIssueForm

        class WithActor(form_class):  # type: ignore[valid-type, misc]
            def __init__(self, *args: Any, **form_kwargs: Any) -> None:
                super().__init__(*args, actor=request.user, **form_kwargs)

        return WithActor

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ()

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else TokenIssueForm.Meta.fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # viewed and revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay for the audit trail

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        issued = accounts.issue_token(request.user, data["user"], name=data["name"],
                                      scopes=data["scopes"], expires_at=data["expires_at"])
        obj.__dict__.update(issued.token.__dict__)
        messages.warning(request, gettext(
            "The new token's key, shown only this once — copy it now: %(key)s") % {"key": issued.key})

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        revoked = 0
        for token in queryset.select_related("user").filter(revoked_at__isnull=True):
            accounts.revoke_token(request.user, token)
            revoked += 1
        messages.success(request, ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.",
                                           revoked) % {"count": revoked})
