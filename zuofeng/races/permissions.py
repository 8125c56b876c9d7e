"""Competition actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

RACE_VIEW = "race.view"  # see a race's boards, and the breakdown of participants in one's subtree
RACE_MANAGE = "race.manage"  # configure, compute, publish, approve entries: the lead office
RACE_ENTER = "race.enter"  # enter a manual value with evidence for a participant in one's subtree

R = Role


def register() -> None:
    register_action(
        RACE_VIEW,
        [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.INSPECTOR, R.LEADER, R.GRID_CADRE],
    )
    register_action(RACE_MANAGE, [R.LEAD_OFFICE])
    register_action(RACE_ENTER, [R.LEAD_OFFICE, R.UNIT_ADMIN])
