from django.urls import path, re_path

from zuofeng.service import open311, views

urlpatterns = [
    path("service/", views.queue, name="service_queue"),
    path("service/requests/", views.request_list, name="service_requests"),
    path("service/requests/new/", views.request_new, name="service_request_new"),
    path("service/requests/<int:pk>/", views.request_detail, name="service_request"),
    path(
        "service/requests/<int:pk>/<str:action>/",
        views.request_transition,
        name="service_transition",
    ),
    path("service/routing/", views.routing, name="service_routing"),
    path("service/settings/", views.settings_page, name="service_settings"),
    path(
        "service/settings/categories/",
        views.settings_category,
        name="service_settings_category_new",
    ),
    path(
        "service/settings/categories/<int:pk>/",
        views.settings_category,
        name="service_settings_category",
    ),
    path("service/settings/sla/", views.settings_sla, name="service_settings_sla"),
    path(
        "service/settings/front-desks/",
        views.settings_front_desks,
        name="service_settings_front_desks",
    ),
    path("service/enterprises/", views.enterprise_list, name="service_enterprises"),
    path("service/enterprises/<int:pk>/", views.enterprise_detail, name="service_enterprise"),
    path("service/grids/", views.grid_list, name="service_grids"),
    path("service/grids/<int:pk>/", views.grid_detail, name="service_grid"),
    path("service/visits/", views.visit_list, name="service_visits"),
    path("service/visits/new/", views.visit_new, name="service_visit_new"),
    # The public side: no account.
    path("public/requests/new/", views.public_submit, name="service_public_submit"),
    path("public/requests/track/", views.public_track, name="service_public_track"),
    path("public/requests/rate/", views.public_rate, name="service_public_rate"),
    # Open311 GeoReport v2.
    re_path(
        r"^open311/v2/discovery(?:\.(?P<fmt>\w+))?$", open311.discovery, name="open311_discovery"
    ),
    re_path(r"^open311/v2/services(?:\.(?P<fmt>\w+))?$", open311.services, name="open311_services"),
    re_path(r"^open311/v2/requests(?:\.(?P<fmt>\w+))?$", open311.requests, name="open311_requests"),
    re_path(
        r"^open311/v2/requests/(?P<pk>[^/.]{1,32})(?:\.(?P<fmt>\w+))?$",
        open311.request_detail,
        name="open311_request",
    ),
]
