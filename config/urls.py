from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as accounts_views
from api.v1 import api
from web import views as web_views

urlpatterns = [
    path("", web_views.home, name="home"),
    path("healthz", web_views.healthz, name="healthz"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("regulation/", include("regulation.urls")),
    path("audit/", include("audit.urls")),
    path("policy/", include("policy.urls")),
    path("projects/", include("projects.urls")),
    path("catalogue/", include("catalogue.urls")),
    path("declarations/", include("declarations.urls")),
    path("reviews/", include("reviews.urls")),
    path("delivery/", include("delivery.urls")),
    path("funding/", include("funding.urls")),
    path("oversight/", include("oversight.urls")),
    path("obligations/", include("obligations.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("contacts/", include("contacts.urls")),
    path("signatures/", include("gmcrypto.urls")),
    path("public/", include("dashboards.public_urls")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]

if settings.BENCH_VIEWS:  # bench/run only (issue #8); never mounted in production (config.production)
    urlpatterns.append(path("bench/", include("scale.urls")))

handler500 = "web.views.server_error"
handler400 = "web.views.bad_request"
