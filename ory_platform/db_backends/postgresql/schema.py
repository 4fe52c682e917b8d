"""Django's PostgreSQL schema editor without its LIKE indexes."""

from django.db.backends.postgresql.schema import DatabaseSchemaEditor as PostgreSQLSchemaEditor


class DatabaseSchemaEditor(PostgreSQLSchemaEditor):
    """Django's, without the second index (``varchar_pattern_ops``/``text_pattern_ops``) it gives every
    indexed text column for ``LIKE 'prefix%'`` queries.

    Nothing in the platform filters an indexed column by prefix: tokens, hashes, challenges and ids
    are looked up by equality, and the console searches with a leading wildcard, which such an index
    cannot serve. Each one was another B-tree to write at every insert (a session at each sign-in,
    four challenge and verifier hashes per authorization, every token). CockroachDB's engine never
    creates them either.
    """

    def _create_like_index_sql(self, model, field):
        return None
