from django.db import migrations


def seed(apps, schema_editor):
    from zuofeng.rules.seed import ECON_CODES

    EconCode = apps.get_model("rules", "EconCode")
    have = set(EconCode.objects.values_list("code", flat=True))
    EconCode.objects.bulk_create(
        EconCode(code=code, name=name) for code, name in ECON_CODES if code not in have
    )


class Migration(migrations.Migration):
    dependencies = [("rules", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
