from django.db import migrations


def seed(apps, schema_editor):
    from zuofeng.study.choices import SEED_CADENCE, SEED_CHANNELS, SEED_GROUPS, SEED_KINDS, YOUTH_KINDS

    Kind = apps.get_model("study", "ActivityKind")
    for order, (name, category) in enumerate(SEED_KINDS):
        Kind.objects.get_or_create(
            name=name,
            defaults={"category": category, "sort_order": order * 10, "youth": name in YOUTH_KINDS},
        )
    Group = apps.get_model("study", "KindGroup")
    for name, kinds in SEED_GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.kinds.set(Kind.objects.filter(name__in=kinds))
    OrgKind = apps.get_model("orgs", "OrgKind")
    Rule = apps.get_model("study", "CadenceRule")
    for org_kind, kind, cadence, minimum in SEED_CADENCE:
        ok = OrgKind.objects.filter(name=org_kind).first()
        if ok is not None:
            Rule.objects.get_or_create(
                org_kind=ok,
                kind=Kind.objects.get(name=kind),
                cadence=cadence,
                defaults={"minimum": minimum},
            )
    Channel = apps.get_model("study", "Channel")
    for name, description in SEED_CHANNELS:
        Channel.objects.get_or_create(name=name, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("study", "0001_initial"), ("orgs", "0002_seed_org_kinds")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
