"""Demo data for ``setup_demo``: the example model and a few tuples to try checks on."""

from __future__ import annotations

from pathlib import Path

from permissions_app.models import PermissionModel
from permissions_app.selectors import permission_model_active
from permissions_app.services import permission_model_load, relationships_import
from permissions_app.tuples import parse_tuple

EXAMPLE_MODEL = Path(__file__).resolve().parent / "examples" / "documents.ts"

DEMO_TUPLES = [
    "Group:engineering#members@alice",
    "Group:staff#members@Group:engineering#members",
    "Folder:handbook#viewers@Group:staff#members",
    "Document:onboarding#parents@Folder:handbook",
    "Document:onboarding#owners@bob",
    "Document:onboarding#banned@mallory",
]


def permissions_demo_setup() -> str:
    """Load the example model (and its demo tuples) unless a model is active; says what it did."""
    active = permission_model_active()
    if active is not None:
        return f"A permission model is active already (version {active.version}); left alone."
    loaded = permission_model_load(
        source=EXAMPLE_MODEL.read_text(encoding="utf-8"),
        origin=PermissionModel.Origin.DEMO,
        source_name=str(EXAMPLE_MODEL.name),
    )
    relationships_import(relationships=[parse_tuple(text) for text in DEMO_TUPLES])
    return (
        f"Loaded the example permission model {EXAMPLE_MODEL.name} (version {loaded.version.version}) "
        f"and {len(DEMO_TUPLES)} demo relation tuples; try Document:onboarding#view@alice in the console."
    )
