from django.urls import path

from zuofeng.races import views

S = "races/<int:pk>/<str:season>/"
urlpatterns = [
    path("races/", views.race_list, name="race_list"),
    path("races/<int:pk>/", views.race_detail, name="race_detail"),
    path("races/new/", views.race_new, name="race_new"),
    path("races/<int:pk>/history/", views.history, name="race_history"),
    path("races/<int:pk>/seasons/new/", views.season_new, name="race_season_new"),
    path("races/<int:pk>/boards/<int:board>/edit/", views.board_edit, name="race_board_edit"),
    path(S, views.board, name="race_board"),
    path(S + "compute/", views.compute, name="race_compute"),
    path(S + "publish/", views.publish, name="race_publish"),
    path(S + "notice.docx", views.notice_docx, name="race_notice"),
    path(S + "results.xlsx", views.results_xlsx, name="race_results"),
    path(S + "entries/", views.entries, name="race_entries"),
    path(S + "entries/<int:entry>/decide/", views.entry_decide, name="race_entry_decide"),
    path(S + "entries/<int:entry>/file/", views.entry_file, name="race_entry_file"),
    path(S + "units/<str:code>/", views.participant, name="race_participant"),
    path(S + "units/<str:code>/leaves/<int:leaf>/", views.records, name="race_records"),
]
