"""Study actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

STUDY_VIEW = "study.view"  # activities, compliance, coverage, channel statistics
STUDY_RECORD = "study.record"  # record activities and their attendance in one's subtree
STUDY_MANAGE = "study.manage"  # kinds, cadence rules, channels, items, youth groups

R = Role


def register() -> None:
    register_action(
        STUDY_VIEW,
        [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.INSPECTOR, R.LEADER, R.GRID_CADRE],
    )
    register_action(STUDY_RECORD, [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY])
    register_action(STUDY_MANAGE, [R.LEAD_OFFICE])
