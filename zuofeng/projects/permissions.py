"""Actions of projects, programmes, approvals and village ledgers, added at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

PROJECT_VIEW = "project.view"
PROJECT_MANAGE = "project.manage"  # create, start, milestones, complete: the owner unit
PROJECT_VERIFY = "project.verify"  # accept, extend, stop: the lead office
PROGRAMME_MANAGE = "programme.manage"  # programmes and enrolments (personal data)
APPROVAL_MANAGE = "approval.manage"  # approval cases and their steps
LEDGER_MANAGE = "ledger.manage"  # village collective ledger entries

R = Role
UNIT_ROLES = frozenset({R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY})
VERIFY_ROLES = frozenset({R.LEAD_OFFICE})


def register() -> None:
    register_action(
        PROJECT_VIEW,
        [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.INSPECTOR, R.LEADER, R.GRID_CADRE],
    )
    register_action(PROJECT_MANAGE, UNIT_ROLES)
    register_action(PROJECT_VERIFY, VERIFY_ROLES)
    register_action(PROGRAMME_MANAGE, [R.LEAD_OFFICE, R.UNIT_ADMIN])
    register_action(APPROVAL_MANAGE, [R.LEAD_OFFICE, R.UNIT_ADMIN])
    register_action(LEDGER_MANAGE, [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY])
