from django.db import migrations


def seed(apps, schema_editor):
    from zuofeng.rectify.choices import SEED_CAMPAIGNS, SEED_CATEGORIES, SEED_SOURCES

    for model, names in (("ProblemSource", SEED_SOURCES), ("ProblemCategory", SEED_CATEGORIES),
                         ("Campaign", SEED_CAMPAIGNS)):
        Model = apps.get_model("rectify", model)
        for order, name in enumerate(names, start=1):
            Model.objects.get_or_create(name=name, defaults={"sort_order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("rectify", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
