"""Every write of the OAuth2 provider: each public function is one transaction through
:func:`ory_platform.db.retrying`."""
