"""The composition root: every app's routes, in one place. (Apps never import each other's
URLs; `reverse()` by name ties pages together.)"""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from filings.api import urls as filings_api
from filings.api.errors import not_found
from filings.certificates import api_urls as certificates_api
from filings.dossiers import api_urls as dossiers_api
from portal.accounts.forms import LoginForm
from portal.accounts.mfa import second_factor
from portal.accounts.views import language_set
from portal.health import alive, ready

# `/api/v1/`: one `api` namespace over the apps' routes; anything else is a 404 in the problem
# shape, not the HTML page, so the catch-all comes last.
_API = [*filings_api.urlpatterns, *certificates_api.urlpatterns, *dossiers_api.urlpatterns,
        re_path(r"", not_found)]
# The console pages of models that moved to their own apps keep their old addresses working.
_MOVED_CONSOLE_PAGES = {"rulebookversion": "rulebooks", "auditevent": "audit"}


def _moved_console_page(request: HttpRequest, model: str, rest: str) -> HttpResponseRedirect:
    query = f"?{request.GET.urlencode()}" if request.GET else ""
    return HttpResponseRedirect(f"/admin/{_MOVED_CONSOLE_PAGES[model]}/{model}/{rest}{query}")


urlpatterns = [
    path("ready/", ready, name="ready"),
    path("health/", alive, name="health"),
    re_path(r"^admin/filings/(?P<model>rulebookversion|auditevent)/(?P<rest>.*)$",
            _moved_console_page, name="moved_console_page"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(
        authentication_form=LoginForm, redirect_authenticated_user=True), name="login"),
    path("accounts/second-factor/", second_factor, name="second_factor"),
    path("accounts/language/", language_set, name="language_set"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password-reset/", auth_views.PasswordResetView.as_view(),
         name="password_reset"),
    path("accounts/password-reset/sent/", auth_views.PasswordResetDoneView.as_view(),
         name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/reset/done/", auth_views.PasswordResetCompleteView.as_view(),
         name="password_reset_complete"),
    path("api/v1/", include((_API, "api"))),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(
        url_name="api-schema", template_name="api/swagger_ui.html"), name="api-docs"),
    path("api-tokens/", include("filings.api.urls_web")),
    path("", include("filings.certificates.urls")),
    path("", include("filings.rulebooks.urls")),
    path("", include("filings.dossiers.urls")),
    path("", include("filings.urls")),
]

# Django's own refusals of a request, before any view: problem JSON on the API (portal.errors).
handler400 = "portal.errors.bad_request"
