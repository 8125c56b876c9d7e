"""Seed the configurable lists: categories, the default SLA per urgency, grid roles."""

from django.db import migrations

CATEGORIES = [
    "政策兑现",
    "要素保障",
    "审批服务",
    "融资",
    "用工",
    "涉法涉企",
    "环评",
    "基础设施",
    "民生服务",
    "其他",
]
DESCRIPTIONS = {"涉法涉企": "涉企案件协作，如账户解冻", "环评": "环评审批指导"}
SLA = [("normal", 1, 5, 2, 10), ("urgent", 1, 3, 2, 10), ("critical", 1, 0, 2, 10)]
GRID_ROLES = [
    ("网格长", True, 1),
    ("联企干部", False, 3),
    ("专业服务员", False, 3),
    ("助企服务力量", False, None),
]


def seed(apps, schema_editor):
    Category = apps.get_model("service", "RequestCategory")
    Sla = apps.get_model("service", "SlaPolicy")
    GridRole = apps.get_model("service", "GridRole")
    for i, name in enumerate(CATEGORIES):
        Category.objects.get_or_create(
            name=name, defaults={"sort_order": i * 10, "description": DESCRIPTIONS.get(name, "")}
        )
    for urgency, sign, resolve, ret, ext in SLA:
        Sla.objects.get_or_create(
            category=None,
            urgency=urgency,
            defaults={
                "sign_days": sign,
                "resolve_days": resolve,
                "return_days": ret,
                "extension_max_days": ext,
            },
        )
    for i, (name, lead, planned) in enumerate(GRID_ROLES):
        GridRole.objects.get_or_create(
            name=name, defaults={"is_lead": lead, "planned": planned, "sort_order": i * 10}
        )


class Migration(migrations.Migration):
    dependencies = [("service", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
