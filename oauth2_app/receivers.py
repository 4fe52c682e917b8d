"""Reactions to identity_app's signals (sent after its transactions commit)."""

from __future__ import annotations

from oauth2_app.services.challenges import login_sessions_for_identity_session_revoke, subject_revoke_everything


def identity_gone(sender, identity_id, **kwargs) -> None:
    """An identity was deactivated or deleted: its tokens, consents and login sessions end."""
    subject_revoke_everything(subject=str(identity_id))


def identity_session_ended(sender, identity_id, session_id=None, **kwargs) -> None:
    """An identity session ended: OAuth2 login sessions opened from it end too."""
    if session_id is not None:
        login_sessions_for_identity_session_revoke(identity_session_id=str(session_id))
