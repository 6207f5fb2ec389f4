"""The public rules pages, and the sourcing planner of a filing."""

from django.urls import path

from filings.rulebooks import views

app_name = "rulebooks"

urlpatterns = [
    # Public on purpose: the rules are law; certificates name the version they used.
    path("rules/", views.rules_history, name="history"),
    path("rules/<str:version>/", views.rules_version, name="version"),
    # The sourcing planner of a filing, for its own organisation.
    path("filings/<uuid:reference>/plan/", views.plan, name="plan"),
    path("filings/<uuid:reference>/plan/<str:token>/outcome.json", views.plan_outcome,
         name="plan_outcome"),
    path("filings/<uuid:reference>/plan/<str:token>/changed-lines.xlsx", views.plan_download,
         name="plan_download"),
    path("filings/<uuid:reference>/plan/<str:token>/new-version/", views.plan_apply,
         name="plan_apply"),
]
