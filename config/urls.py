from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from config.api import api
from kern import views as kern_views
from kern.two_factor import views as two_factor_views
from rapportering.views import dashboard as dashboard_views

admin.site.site_header = "Deelpunt — beheer"
admin.site.site_title = "Deelpunt"
admin.site.index_title = "Beheer"

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("gezond/", kern_views.health, name="health"),
    # Browsers ask for it on pages without HTML (a PDF in a tab).
    path("favicon.ico", kern_views.favicon),
    path(
        "aanmelden/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"
    ),
    path("afmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tweestapsverificatie/", include("kern.two_factor.urls")),
    path(
        "gebruikers/<int:pk>/aanmelden/",
        two_factor_views.user_security,
        name="user_login_security",
    ),
    path(
        "account/wachtwoord/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "account/wachtwoord/gewijzigd/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("wachtwoord-vergeten/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "wachtwoord-vergeten/verstuurd/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "wachtwoord-vergeten/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "wachtwoord-vergeten/klaar/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("taal/", set_language, name="set_language"),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("beheer/", admin.site.urls),
    path("api/v1/", api.urls),
    path("", include("kern.urls")),
    path("balie/", include("uitlening.urls")),
    path("catalogus/", include("uitlening.views.catalogue")),
    path("toegang/", include("toegang.urls")),
    path("voorraad/", include("voorraad.urls")),
    path("vrijwilligers/", include("vrijwilligers.urls")),
    path("rapporten/", include("rapportering.urls")),
]
