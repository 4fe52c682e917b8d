"""Database engines: Django's PostgreSQL engine and django-cockroachdb, each with a connection
health check that costs no round trip while the connection is plainly alive (see :mod:`.health`)."""
