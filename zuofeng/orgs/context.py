"""What the navigation may show: every action the current user holds anywhere."""

from zuofeng.orgs import scope
from zuofeng.orgs.permissions import ROLE_ACTIONS


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    held = set()
    for role in scope.roles(user):
        held |= ROLE_ACTIONS[role]
    all_actions = set().union(*ROLE_ACTIONS.values())
    return {"can": {a.replace(".", "_"): a in held for a in all_actions}}
