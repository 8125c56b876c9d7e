from django.urls import path

from zuofeng.rules import views

urlpatterns = [
    path("rules/", views.home, name="rules_home"),
    path("rules/lists/<int:pk>/", views.list_detail, name="rules_list"),
    path("rules/items/<int:pk>/", views.item_edit, name="rules_item"),
    path("rules/categories/<int:category_pk>/items/new/", views.item_new, name="rules_item_new"),
    path("rules/items/preview/", views.item_preview, name="rules_item_preview"),
    path("rules/hits/", views.hits, name="rules_hits"),
    path("rules/hits/<int:pk>/", views.hit_detail, name="rules_hit"),
    path("rules/ref/<str:ref>/", views.finding_by_ref, name="rules_ref"),
    path("rules/budget/", views.budget, name="rules_budget"),
    path("rules/power/", views.power_items, name="rules_power_items"),
    path("rules/power/<int:pk>/", views.power_item, name="rules_power_item"),
    path("rules/cases/", views.cases, name="rules_cases"),
    path("rules/cases/<int:pk>/", views.case_detail, name="rules_case"),
    path("rules/import/<str:kind>/", views.import_page, name="rules_import"),
    path("rules/import/<str:kind>/template/", views.import_template, name="rules_import_template"),
]
