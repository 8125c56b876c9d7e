"""Dashboard actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

DASHBOARD_VIEW = "dashboard.view"  # tiles, charts, drill-down, exports: each in one's own subtree
BRIEFING_MAKE = "briefing.make"  # generate a briefing for one's subtree
BRIEFING_TEMPLATE_MANAGE = "briefing.template"  # upload the office's briefing templates

R = Role


def register() -> None:
    register_action(
        DASHBOARD_VIEW,
        [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.GRID_CADRE, R.INSPECTOR, R.LEADER],
    )
    register_action(BRIEFING_MAKE, [R.LEAD_OFFICE, R.UNIT_ADMIN, R.LEADER, R.INSPECTOR])
    register_action(BRIEFING_TEMPLATE_MANAGE, [R.LEAD_OFFICE])
