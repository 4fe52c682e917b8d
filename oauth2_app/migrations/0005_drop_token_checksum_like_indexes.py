"""Token checksums are looked up by equality only. On PostgreSQL Django gives every indexed text
column a second ``varchar_pattern_ops`` index for ``LIKE`` queries, which nothing runs on a
checksum; each token insert paid for it. (SQLite and CockroachDB never create one.)"""

from django.db import migrations

CHECKSUM_TABLES = ("oauth2_access_tokens", "oauth2_refresh_tokens")


def _like_index_names(schema_editor):
    return [schema_editor._create_index_name(table, ["token_checksum"], suffix="_like") for table in CHECKSUM_TABLES]


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _like_index_names(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table, name in zip(CHECKSUM_TABLES, _like_index_names(schema_editor), strict=True):
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} "
            f"ON {schema_editor.quote_name(table)} (token_checksum varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("oauth2_app", "0004_sparse_token_indexes")]

    operations = [migrations.RunPython(drop_like_indexes, create_like_indexes, elidable=False)]
