"""Indicators of the organisation tree: how many units of each kind a scope has.

The tree is counted as it stands (active orgs); the period does not narrow it."""

from zuofeng.core.indicators import CountIndicator, Period, lookup_filter, register
from zuofeng.orgs.models import Org, OrgKind

GRASSROOTS = (
    "party_committee",
    "general_branch",
    "branch",
    "village",
    "community",
    "new_economy",
    "institution",
)
FILTERS = {"kind": lookup_filter(OrgKind, "kind", "org kind")}


def _kinds(*codes: str):
    def records(_period: Period):
        return Org.objects.filter(active=True, kind__code__in=codes)

    return records


register(
    CountIndicator(
        "orgs.departments",
        "区级部门数",
        "个",
        "path",
        FILTERS,
        "组织类别为区级部门的有效组织",
        records_fn=_kinds("department"),
    ),
    CountIndicator(
        "orgs.towns",
        "乡镇街道数",
        "个",
        "path",
        FILTERS,
        "组织类别为乡镇街道的有效组织",
        records_fn=_kinds("town"),
    ),
    CountIndicator(
        "orgs.grassroots",
        "基层党组织数",
        "个",
        "path",
        FILTERS,
        "部门、乡镇街道以下的各级党组织（党委、党总支、党支部、村社、两新、机关事业单位）",
        records_fn=_kinds(*GRASSROOTS),
    ),
    CountIndicator(
        "orgs.grassroots_village",
        "村（社）党组织数",
        "个",
        "path",
        FILTERS,
        "组织类别为村党组织或社区党组织",
        records_fn=_kinds("village", "community"),
    ),
    CountIndicator(
        "orgs.grassroots_two_new",
        "两新党组织数",
        "个",
        "path",
        FILTERS,
        "组织类别为两新党组织",
        records_fn=_kinds("new_economy"),
    ),
)
