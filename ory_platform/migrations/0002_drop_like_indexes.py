"""Drop the LIKE indexes Django created on PostgreSQL before the platform's engine stopped creating
them (see ``ory_platform.db_backends.postgresql.schema``). SQLite and CockroachDB never had any."""

from django.db import migrations

APPS = ("identity_app", "oauth2_app", "permissions_app", "ory_platform")


def drop_like_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    tables = [model._meta.db_table for label in APPS for model in apps.get_app_config(label).get_models()]
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND indexdef ~ '(varchar|text)_pattern_ops'",
            [tables],
        )
        names = [row[0] for row in cursor.fetchall()]
    for name in names:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [
        ("ory_platform", "0001_initial"),
        ("identity_app", "0003_courier_codes_errors"),
        ("oauth2_app", "0004_sparse_token_indexes"),
        ("permissions_app", "0001_initial"),
    ]

    # Reversed, nothing is recreated: the indexes served no query.
    operations = [migrations.RunPython(drop_like_indexes, migrations.RunPython.noop, elidable=True)]
