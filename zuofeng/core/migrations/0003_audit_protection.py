from django.db import migrations


def protect(apps, schema_editor):
    from zuofeng.core.audit import protect_table_sql

    AuditHead = apps.get_model("core", "AuditHead")
    AuditHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": "0" * 64})
    for statement in protect_table_sql():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_initial")]
    operations = [migrations.RunPython(protect, migrations.RunPython.noop)]
