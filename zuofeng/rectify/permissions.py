"""Rectification actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

PROBLEM_VIEW = "problem.view"
PROBLEM_REGISTER = "problem.register"
PROBLEM_VERIFY = "problem.verify"  # assign, return, close out: the lead office and inspectors
PROBLEM_HANDLE = "problem.handle"  # sign for, submit for close-out: the responsible unit
ROUND_MANAGE = "round.manage"  # open and close rounds of the ledger: the lead office
CHECKLIST_MANAGE = "checklist.manage"  # set up the 对照清单: the lead office

R = Role
UNIT_ROLES = frozenset({R.UNIT_ADMIN, R.BRANCH_SECRETARY})
VERIFY_ROLES = frozenset({R.LEAD_OFFICE, R.INSPECTOR})


def register() -> None:
    register_action(
        PROBLEM_VIEW,
        [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.INSPECTOR, R.LEADER, R.GRID_CADRE],
    )
    register_action(
        PROBLEM_REGISTER, [R.LEAD_OFFICE, R.INSPECTOR, R.UNIT_ADMIN, R.BRANCH_SECRETARY]
    )
    register_action(PROBLEM_VERIFY, VERIFY_ROLES)
    register_action(PROBLEM_HANDLE, UNIT_ROLES)
    register_action(ROUND_MANAGE, [R.LEAD_OFFICE])
    register_action(CHECKLIST_MANAGE, [R.LEAD_OFFICE])
