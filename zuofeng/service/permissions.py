"""Service actions, added to the role table at start-up."""

from zuofeng.orgs.choices import Role
from zuofeng.orgs.permissions import register_action

SERVICE_VIEW = "service.view"
SERVICE_SUBMIT = "service.submit"  # enter enterprises, visits and requests
SERVICE_ROUTE = "service.route"  # the front desk: accept, assign, approve, redo, close
SERVICE_HANDLE = "service.handle"  # the lead unit: sign for, return, handle, resolve
SERVICE_SUPERVISE = "service.supervise"  # 督办 a late request
SERVICE_SETTINGS = "service.settings"  # categories, SLA policies, front desks: the lead office

R = Role
VIEW_ROLES = frozenset(
    {R.LEAD_OFFICE, R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.GRID_CADRE, R.INSPECTOR, R.LEADER}
)
SUBMIT_ROLES = frozenset({R.LEAD_OFFICE, R.UNIT_ADMIN, R.GRID_CADRE})
ROUTE_ROLES = frozenset({R.LEAD_OFFICE, R.UNIT_ADMIN})
HANDLE_ROLES = frozenset({R.UNIT_ADMIN, R.BRANCH_SECRETARY, R.GRID_CADRE})
# A rating is given by the requester (public page) or recorded after a call-back by the grid
# cadre or the front desk.
RATE_ROLES = frozenset({R.GRID_CADRE, R.UNIT_ADMIN, R.LEAD_OFFICE})
SUPERVISE_ROLES = frozenset({R.LEAD_OFFICE, R.INSPECTOR})


def register() -> None:
    register_action(SERVICE_VIEW, VIEW_ROLES)
    register_action(SERVICE_SUBMIT, SUBMIT_ROLES)
    register_action(SERVICE_ROUTE, ROUTE_ROLES)
    register_action(SERVICE_HANDLE, HANDLE_ROLES)
    register_action(SERVICE_SUPERVISE, SUPERVISE_ROLES)
    register_action(SERVICE_SETTINGS, [R.LEAD_OFFICE])
