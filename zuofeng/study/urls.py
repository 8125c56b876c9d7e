from django.urls import path

from zuofeng.study import views

urlpatterns = [
    path("study/", views.activity_list, name="study_activities"),
    path("study/new/", views.activity_new, name="study_activity_new"),
    path("study/<int:pk>/", views.activity_detail, name="study_activity"),
    path("study/<int:pk>/delete/", views.activity_delete, name="study_activity_delete"),
    path("study/attachments/<int:pk>/", views.attachment_download, name="study_attachment"),
    path("study/compliance/", views.compliance, name="study_compliance"),
    path("study/coverage/", views.coverage, name="study_coverage"),
    path("study/coverage/export/", views.coverage_export, name="study_coverage_export"),
    path("study/channels/", views.channels, name="study_channels"),
    path("study/items/<int:pk>/", views.item_detail, name="study_item"),
    path("study/items/<int:pk>/audio/", views.item_audio, name="study_item_audio"),
    path("study/my/", views.my_study, name="study_my"),
    path("study/my/<int:pk>/", views.my_item, name="study_my_item"),
    path("study/my/<int:pk>/progress/", views.my_progress, name="study_my_progress"),
    path("study/youth/", views.youth, name="study_youth"),
    path("study/youth/<int:pk>/", views.youth_group, name="study_youth_group"),
    path("study/settings/", views.settings_page, name="study_settings"),
]
