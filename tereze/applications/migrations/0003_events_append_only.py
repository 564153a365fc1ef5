"""On PostgreSQL the event log refuses UPDATE and DELETE: history is only ever appended."""

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION tereze_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION '% is append-only (% of row %)', TG_TABLE_NAME, TG_OP, OLD.id;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER applications_applicationevent_append_only BEFORE UPDATE OR DELETE
  ON applications_applicationevent FOR EACH ROW EXECUTE FUNCTION tereze_events_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS applications_applicationevent_append_only ON applications_applicationevent;
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("applications", "0002_initial"), ("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(forward, backward)]
