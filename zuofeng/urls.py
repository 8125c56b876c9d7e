from django.urls import include, path

from zuofeng.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("zuofeng.rectify.urls")),
    path("", include("zuofeng.study.urls")),
    path("", include("zuofeng.service.urls")),
    path("", include("zuofeng.projects.urls")),
    path("", include("zuofeng.rules.urls")),
    path("", include("zuofeng.races.urls")),
    path("", include("zuofeng.dashboard.urls")),
    path("", include("zuofeng.orgs.urls")),
]
