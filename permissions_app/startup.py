"""Loading ``PERMISSIONS_MODEL_FILE`` when a process starts serving.

The file is loaded before the first request a process handles (not in ``AppConfig.ready``, where
the database may not exist yet, e.g. during ``migrate``). It becomes the active model if it
differs from it; an invalid file is logged with every error and the active model stays. The
system check ``permissions_app.E001`` reports such a file at deploy time.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from django.conf import settings
from django.core.signals import request_started
from django.db import DatabaseError

from permissions_app.models import PermissionModel
from permissions_app.opl import InvalidModel
from permissions_app.services import permission_model_load

logger = logging.getLogger(__name__)
_lock = threading.Lock()
_done = False


def load_model_file(path: str) -> None:
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        logger.error("cannot read PERMISSIONS_MODEL_FILE", extra={"path": path, "error": str(error)})
        return
    try:
        loaded = permission_model_load(source=source, origin=PermissionModel.Origin.SETTINGS, source_name=path)
    except InvalidModel as error:
        logger.error(
            "PERMISSIONS_MODEL_FILE is invalid; the active permission model stays",
            extra={"path": path, "errors": [str(e) for e in error.errors]},
        )
        return
    except DatabaseError as error:
        logger.error("cannot store PERMISSIONS_MODEL_FILE", extra={"path": path, "error": str(error)})
        return
    if loaded.changed:
        logger.info("activated PERMISSIONS_MODEL_FILE", extra={"path": path, "version": loaded.version.version})


def load_model_file_once(**kwargs) -> None:
    """``request_started`` receiver: loads the file once per process, then disconnects."""
    global _done
    with _lock:
        if _done:
            return
        _done = True
    request_started.disconnect(load_model_file_once, dispatch_uid="permissions_model_file")
    load_model_file(settings.PERMISSIONS_MODEL_FILE)
