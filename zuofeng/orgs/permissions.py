"""Who may do what: role × action. Scope (the org subtree) is applied on the queryset."""

from __future__ import annotations

from zuofeng.orgs.choices import Role

R = Role
ORG_VIEW = "org.view"
ORG_CHANGE = "org.change"
PERSON_VIEW = "person.view"
PERSON_CHANGE = "person.change"
PERSON_REVEAL = "person.reveal"
PERSON_EXPORT_FULL = "person.export_full"
USER_MANAGE = "user.manage"
ROLE_MANAGE = "role.manage"
AUDIT_VIEW = "audit.view"
CALENDAR_MANAGE = "calendar.manage"

_BUSINESS_READ = {ORG_VIEW, PERSON_VIEW}

ROLE_ACTIONS: dict[str, frozenset[str]] = {
    R.LEAD_OFFICE: frozenset(
        _BUSINESS_READ | {ORG_CHANGE, PERSON_CHANGE, PERSON_REVEAL, PERSON_EXPORT_FULL}
    ),
    R.UNIT_ADMIN: frozenset(_BUSINESS_READ | {ORG_CHANGE, PERSON_CHANGE, PERSON_REVEAL}),
    R.BRANCH_SECRETARY: frozenset(_BUSINESS_READ | {PERSON_CHANGE}),
    R.GRID_CADRE: frozenset(_BUSINESS_READ),
    R.INSPECTOR: frozenset(_BUSINESS_READ | {PERSON_REVEAL}),
    R.LEADER: frozenset(_BUSINESS_READ),
    R.SYSTEM_ADMIN: frozenset({USER_MANAGE, CALENDAR_MANAGE}),
    R.SECURITY_ADMIN: frozenset({ROLE_MANAGE}),
    R.AUDIT_ADMIN: frozenset({AUDIT_VIEW}),
}

# Actions that are not tied to a place in the tree: held at all or not at all.
GLOBAL_ACTIONS = frozenset({USER_MANAGE, ROLE_MANAGE, AUDIT_VIEW, CALENDAR_MANAGE})


def register_action(action: str, roles) -> None:
    """Domain apps add their actions to the table at start-up (AppConfig.ready)."""
    for role in roles:
        ROLE_ACTIONS[role] = frozenset(ROLE_ACTIONS[role] | {action})


def roles_with(action: str) -> frozenset[str]:
    return frozenset(role for role, actions in ROLE_ACTIONS.items() if action in actions)
