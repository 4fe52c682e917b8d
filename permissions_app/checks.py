"""System checks: the permission settings are sane and the startup model file is valid."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register

from permissions_app.opl import check_model


@register()
def check_permissions_settings(app_configs, **kwargs):
    errors = []
    for name in (
        "PERMISSIONS_MAX_DEPTH",
        "PERMISSIONS_MAX_READ_WIDTH",
        "PERMISSIONS_EXPAND_MAX_NODES",
        "PERMISSIONS_BATCH_CHECK_MAX_SIZE",
    ):
        if getattr(settings, name) < 1:
            errors.append(Error(f"{name} must be at least 1.", id="permissions_app.E002"))
    path = settings.PERMISSIONS_MODEL_FILE
    if path:
        try:
            source = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            errors.append(Error(f"PERMISSIONS_MODEL_FILE cannot be read: {error}", id="permissions_app.E001"))
        else:
            problems = check_model(source)
            if problems:
                listed = "; ".join(str(problem) for problem in problems[:5])
                errors.append(Error(f"PERMISSIONS_MODEL_FILE {path} is invalid: {listed}", id="permissions_app.E001"))
    return errors
