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
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/outcomes/", views.outcome_add, name="outcome_add"),
    path("projects/<int:pk>/<str:action>/", views.project_transition, name="project_transition"),
    path("pairings/", views.pairing_list, name="pairing_list"),
    path("pairings/new/", views.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/", views.pairing_detail, name="pairing_detail"),
    path("programmes/", views.programme_list, name="programme_list"),
    path("programmes/new/", views.programme_new, name="programme_new"),
    path("programmes/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("approvals/", views.case_list, name="case_list"),
    path("approvals/items/new/", views.item_new, name="item_new"),
    path("approvals/matters/new/", views.matter_new, name="matter_new"),
    path("approvals/<int:pk>/", views.case_detail, name="case_detail"),
    path("villages/", views.village_list, name="village_list"),
    path("villages/<str:code>/", views.village_detail, name="village_detail"),
]
