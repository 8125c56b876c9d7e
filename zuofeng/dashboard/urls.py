from django.urls import path

from zuofeng.dashboard import views

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/records/<str:key>/", views.records, name="dashboard_records"),
    path("dashboard/export.xlsx", views.export_table, name="dashboard_export"),
    path("dashboard/briefing/", views.briefing, name="briefing"),
    path("dashboard/briefing/default.docx", views.briefing_default, name="briefing_default"),
    path(
        "dashboard/briefing/templates/<int:pk>/", views.briefing_template, name="briefing_template"
    ),
]
