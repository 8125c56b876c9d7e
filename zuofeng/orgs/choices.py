"""Fixed vocabularies of the district: role codes, political status, cadre level, gender."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEAD_OFFICE = "lead_office", _("牵头办")
    UNIT_ADMIN = "unit_admin", _("单位管理员")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    GRID_CADRE = "grid_cadre", _("网格员/联企干部")
    INSPECTOR = "inspector", _("纪检监督")
    LEADER = "leader", _("领导")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


# 三员分立: these three are held by different people and none of them reads business data.
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
BUSINESS_ROLES = frozenset(set(Role) - ADMIN_ROLES)


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class PoliticalStatus(models.TextChoices):
    MEMBER = "member", _("中共党员")
    PROBATIONARY = "probationary", _("预备党员")
    LEAGUE = "league", _("共青团员")
    MASSES = "masses", _("群众")


class CadreLevel(models.TextChoices):
    NONE = "", _("无")
    DISTRICT_LEADER = "district_leader", _("区管领导干部")
    MIDDLE = "middle", _("中层干部")
    GENERAL = "general", _("一般干部")


# The kinds an org can be; a configurable table seeded with these (code, name, order).
SEED_ORG_KINDS = [
    ("district_committee", "区委", 10),
    ("department", "区级部门", 20),
    ("town", "乡镇街道", 30),
    ("party_committee", "党委", 40),
    ("general_branch", "党总支", 50),
    ("branch", "党支部", 60),
    ("village", "村党组织", 70),
    ("community", "社区党组织", 80),
    ("new_economy", "两新党组织", 90),
    ("institution", "机关事业单位党组织", 100),
]
