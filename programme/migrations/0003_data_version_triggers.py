"""Statement-level triggers that bump DataVersion on any change to programme data."""

from django.db import migrations

PROGRAMME_TABLES = (
    "programme_conference",
    "programme_organisation",
    "programme_person",
    "programme_committeemembership",
    "programme_contact",
    "programme_room",
    "programme_track",
    "programme_track_contacts",
    "programme_programmeitem",
    "programme_itemhost",
    "programme_session",
    "programme_sessionchair",
    "programme_talk",
    "programme_talkspeaker",
)

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION programme_bump_data_version() RETURNS trigger AS $$
BEGIN
    UPDATE programme_dataversion SET version = version + 1, changed_at = now() WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def create_triggers():
    return "".join(
        f"CREATE TRIGGER {table}_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION programme_bump_data_version();\n"
        for table in PROGRAMME_TABLES
    )


def drop_triggers():
    return "".join(
        f"DROP TRIGGER IF EXISTS {table}_bump_version ON {table};\n" for table in PROGRAMME_TABLES
    )


class Migration(migrations.Migration):
    dependencies = [("programme", "0002_data_version")]

    operations = [
        migrations.RunSQL(
            "INSERT INTO programme_dataversion (id, version, changed_at) VALUES (1, 0, now());",
            "DELETE FROM programme_dataversion;",
        ),
        migrations.RunSQL(
            CREATE_FUNCTION + create_triggers(),
            drop_triggers() + "DROP FUNCTION IF EXISTS programme_bump_data_version();",
        ),
    ]
