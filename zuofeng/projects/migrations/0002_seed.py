from django.db import migrations


def seed(apps, schema_editor):
    from zuofeng.projects.choices import SEED_LEDGER_CATEGORIES, SEED_PROJECT_KINDS

    for model, names in (("ProjectKind", SEED_PROJECT_KINDS),
                         ("LedgerCategory", SEED_LEDGER_CATEGORIES)):
        Model = apps.get_model("projects", model)
        for order, name in enumerate(names, start=1):
            Model.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
