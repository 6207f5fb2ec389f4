"""The lifecycle's routes under `/api/v1/` (`portal/urls.py` adds the certificates app's and
the catch-all). Every route with an id is in tests/api/routes.py's registry (the coverage guard)."""

from django.urls import path

from filings.api import views

_FILING = "filings/<uuid:reference>/"

urlpatterns = [
    path("filings/", views.FilingListApi.as_view(), name="filings"),
    path(_FILING, views.FilingDetailApi.as_view(), name="filing"),
    path(f"{_FILING}evidence/", views.EvidenceApi.as_view(), name="evidence"),
    path(f"{_FILING}versions/", views.EvidenceVersionsApi.as_view(), name="versions"),
    path(f"{_FILING}submit/", views.SubmitApi.as_view(), name="submit"),
    path(f"{_FILING}withdraw/", views.WithdrawApi.as_view(), name="withdraw"),
    path(f"{_FILING}reopen/", views.ReopenApi.as_view(), name="reopen"),
    path(f"{_FILING}assessment/", views.AssessmentApi.as_view(), name="assessment"),
    path(f"{_FILING}evidence-errors/", views.EvidenceErrorsApi.as_view(), name="evidence_errors"),
    path(f"{_FILING}review/start/", views.ReviewStartApi.as_view(), name="review_start"),
    path(f"{_FILING}review/recommend/", views.ReviewRecommendApi.as_view(),
         name="review_recommend"),
    path(f"{_FILING}review/request-changes/", views.ReviewRequestChangesApi.as_view(),
         name="review_request_changes"),
    path(f"{_FILING}approve/", views.ApproveApi.as_view(), name="approve"),
    path(f"{_FILING}reject/", views.RejectApi.as_view(), name="reject"),
]
