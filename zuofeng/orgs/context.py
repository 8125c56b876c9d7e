"""Navigation entries shown to the current user, by the actions they hold."""

from zuofeng.orgs import scope
from zuofeng.orgs.permissions import (
    AUDIT_VIEW,
    CALENDAR_MANAGE,
    ORG_CHANGE,
    ORG_VIEW,
    PERSON_CHANGE,
    PERSON_VIEW,
    ROLE_MANAGE,
    USER_MANAGE,
)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    can = {
        a: scope.can(user, a)
        for a in (
            ORG_VIEW,
            PERSON_VIEW,
            ORG_CHANGE,
            PERSON_CHANGE,
            USER_MANAGE,
            ROLE_MANAGE,
            AUDIT_VIEW,
            CALENDAR_MANAGE,
        )
    }
    return {"can": {k.replace(".", "_"): v for k, v in can.items()}}
