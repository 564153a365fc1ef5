"""On PostgreSQL the database itself refuses to change a sealed audit entry or delete any entry.

Only the sealer's one update (unsealed -> sealed) passes. A superuser can still bypass triggers
(session_replication_role = replica); the hash chain is what catches that.
"""

from django.db import migrations

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION tereze_audit_append_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' OR OLD.chain_seq IS NOT NULL THEN
    RAISE EXCEPTION 'core_auditentry is append-only (% of entry %)', TG_OP, OLD.id;
  END IF;
  IF NEW.at <> OLD.at OR NEW.action <> OLD.action OR NEW.object_id <> OLD.object_id
     OR NEW.detail::text <> OLD.detail::text OR NEW.subject_iin <> OLD.subject_iin THEN
    RAISE EXCEPTION 'only sealing may update an audit entry (entry %)', OLD.id;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER core_auditentry_append_only BEFORE UPDATE OR DELETE ON core_auditentry
  FOR EACH ROW EXECUTE FUNCTION tereze_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS core_auditentry_append_only ON core_auditentry;
DROP FUNCTION IF EXISTS tereze_audit_append_only();
"""


def forward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY, params=None)


def backward(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
