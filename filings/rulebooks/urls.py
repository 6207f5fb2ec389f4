"""The public rules pages."""

from django.urls import path

from filings.rulebooks import views

app_name = "rulebooks"

urlpatterns = [
    # Public on purpose: the rules are law; certificates name the version they used.
    path("rules/", views.rules_history, name="history"),
    path("rules/<str:version>/", views.rules_version, name="version"),
]
