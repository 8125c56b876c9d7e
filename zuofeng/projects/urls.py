from django.urls import path

from zuofeng.projects import views

urlpatterns = [
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project_detail"),
    path("projects/<int:pk>/milestones/", views.milestone_add, name="milestone_add"),
    path(
        "projects/<int:pk>/milestones/<int:mid>/done/",
        views.milestone_done,
        name="milestone_done",
    ),
    path("projects/<int:pk>/<str:action>/", views.project_transition, name="project_transition"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("approvals/", views.case_list, name="case_list"),
    path("approvals/<int:pk>/", views.case_detail, name="case_detail"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
]
