"""The assembled JSON API: the core's authentication and errors, each app's router."""

from zuofeng.core.api import build_api
from zuofeng.orgs.api import router as orgs_router
from zuofeng.rectify.api import router as rectify_router

api = build_api()
api.add_router("/", orgs_router)
api.add_router("/", rectify_router)
