from django.db import migrations


def seed(apps, schema_editor):
    from zuofeng.orgs.choices import SEED_ORG_KINDS

    OrgKind = apps.get_model("orgs", "OrgKind")
    for code, name, order in SEED_ORG_KINDS:
        OrgKind.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
