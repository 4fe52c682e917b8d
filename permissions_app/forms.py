"""Forms of the staff console: adding a tuple, loading a model, running a check."""

from __future__ import annotations

from django import forms

from ory_platform.errors import OryError
from permissions_app.opl import check_model
from permissions_app.schema import active_schema, validate_relationship
from permissions_app.tuples import Relationship, parse_subject

SUBJECT_HELP = "A subject id (alice) or a subject set (Group:eng#members, or User:alice without a relation)."


class RelationshipForm(forms.Form):
    """One tuple, validated against the active model."""

    namespace = forms.ChoiceField()
    object = forms.CharField(max_length=256)
    relation = forms.CharField(max_length=64)
    subject = forms.CharField(max_length=400, help_text=SUBJECT_HELP)
    for_write = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.schema = active_schema()
        self.fields["namespace"].choices = [(name, name) for name in self.schema.namespaces]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        relationship = Relationship(data["namespace"], data["object"], data["relation"], parse_subject(data["subject"]))
        try:
            validate_relationship(self.schema, relationship, for_write=self.for_write)
        except OryError as error:
            raise forms.ValidationError(error.message) from None
        data["relationship"] = relationship
        return data


class CheckForm(RelationshipForm):
    """A check: the relation may also be a permit."""

    max_depth = forms.IntegerField(
        required=False, min_value=1, help_text="Lower the maximum depth for this check (empty: the global maximum)."
    )
    for_write = False


class PermissionModelForm(forms.Form):
    """A new version of the permission model, pasted or uploaded."""

    source = forms.CharField(widget=forms.Textarea(attrs={"rows": 24, "cols": 100}), required=False)
    upload = forms.FileField(required=False, help_text="Or upload a .ts file instead of pasting it.")

    def clean(self):
        data = super().clean()
        upload = data.get("upload")
        if upload:
            try:
                data["source"] = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError("The file is not UTF-8 text.") from None
        if not data.get("source", "").strip():
            raise forms.ValidationError("Paste the model or upload a file.")
        errors = check_model(data["source"])
        if errors:
            raise forms.ValidationError([str(error) for error in errors])
        return data
