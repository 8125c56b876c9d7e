"""The assembled JSON API: the core's authentication and errors, each app's router."""

from zuofeng.core.api import build_api
from zuofeng.dashboard.api import router as dashboard_router
from zuofeng.orgs.api import router as orgs_router
from zuofeng.projects.api import router as projects_router
from zuofeng.races.api import router as races_router
from zuofeng.rectify.api import router as rectify_router
from zuofeng.rules.api import router as rules_router
from zuofeng.service.api import router as service_router
from zuofeng.study.api import router as study_router

api = build_api()
api.add_router("/", orgs_router)
api.add_router("/", rectify_router)
api.add_router("/", study_router)
api.add_router("/", service_router)
api.add_router("/", projects_router)
api.add_router("/", rules_router)
api.add_router("/", races_router)
api.add_router("/", dashboard_router)
