from django.urls import path

from zuofeng.rectify import views

urlpatterns = [
    path("problems/", views.ledger, name="ledger"),
    path("problems/new/", views.register, name="problem_register"),
    path("problems/todo/", views.todo, name="problem_todo"),
    path("problems/<int:pk>/", views.detail, name="problem_detail"),
    path("problems/<int:pk>/evidence/", views.evidence, name="problem_evidence"),
    path("problems/<int:pk>/notice/", views.notice, name="problem_notice"),
    path("problems/<int:pk>/rule/", views.rule, name="problem_rule"),
    path("problems/<int:pk>/<str:action>/", views.transition, name="problem_transition"),
    path("inspections/", views.inspections, name="inspections"),
    path("rounds/", views.rounds, name="rounds"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("checklists/", views.checklist_sets, name="checklists"),
    path("checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("checklists/<int:pk>/check/", views.selfcheck, name="selfcheck"),
    path("leader-projects/", views.leader_projects, name="leader_projects"),
    path("circulars/", views.circulars, name="circulars"),
    path("circulars/new/", views.circular_new, name="circular_new"),
    path("circulars/<int:pk>/", views.circular_detail, name="circular_detail"),
    path("rounds/diff/", views.round_diff, name="round_diff"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
]
