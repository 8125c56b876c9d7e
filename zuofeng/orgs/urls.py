from django.urls import path

from zuofeng.orgs.views import admin, auth, people, tree
from zuofeng.orgs.views import imports as sheet_views

urlpatterns = [
    path("", tree.home, name="home"),
    path("accounts/login/", auth.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth.logout_view, name="logout"),
    path("accounts/password/", auth.password_change, name="password_change"),
    path("orgs/", tree.org_tree, name="org_tree"),
    path("orgs/<str:code>/", tree.org_detail, name="org_detail"),
    path("people/", people.person_list, name="person_list"),
    path("people/<int:pk>/", people.person_detail, name="person_detail"),
    path("people/<int:pk>/reveal/<str:field>/", people.person_reveal, name="person_reveal"),
    path("manage/users/", admin.user_list, name="user_list"),
    path("manage/users/<int:pk>/", admin.user_detail, name="user_detail"),
    path("manage/audit/", admin.audit_log, name="audit_log"),
    path("manage/calendar/", admin.calendar_overrides, name="calendar"),
    path("import/<str:kind>/", sheet_views.import_page, name="import_sheet"),
    path("import/<str:kind>/template/", sheet_views.import_template, name="import_template"),
    path("import/<str:kind>/errors/<str:token>/", sheet_views.import_errors, name="import_errors"),
    path("export/<str:kind>/", sheet_views.export, name="export_sheet"),
]
