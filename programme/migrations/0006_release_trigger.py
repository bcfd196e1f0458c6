"""A release changes the exports' version: bump the data version like other tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("programme", "0005_release")]

    operations = [
        migrations.RunSQL(
            "CREATE TRIGGER programme_release_bump_version AFTER INSERT OR UPDATE OR DELETE "
            "OR TRUNCATE ON programme_release FOR EACH STATEMENT "
            "EXECUTE FUNCTION programme_bump_data_version();",
            "DROP TRIGGER IF EXISTS programme_release_bump_version ON programme_release;",
        )
    ]
