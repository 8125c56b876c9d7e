"""Rule-list actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

RULES_VIEW = "rules.view"  # the lists, hits, budgets and cases of a subtree
RULES_MANAGE = "rules.manage"  # edit a list or a process (at the issuer), import records
RULES_REVIEW = "rules.review"  # confirm or dismiss a hit or a flag, push it to the ledger

R = Role


def register() -> None:
    register_action(
        RULES_VIEW, [R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.INSPECTOR, R.LEADER]
    )
    register_action(RULES_MANAGE, [R.LEAD_OFFICE, R.UNIT_ADMIN])
    # A unit never judges its own findings: the lead office and the inspectors do.
    register_action(RULES_REVIEW, [R.LEAD_OFFICE, R.INSPECTOR])
