from django.urls import path
from django.views.generic import RedirectView

from tereze.portal import views
from tereze.portal.staff_views import totp_setup, totp_verify

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalogue"), name="home"),
    path("services/", views.catalogue, name="catalogue"),
    path("services/<str:code>/", views.service_page, name="service-page"),
    path("services/<str:code>/apply/", views.apply_start, name="apply-start"),
    path("services/<str:code>/book/", views.book_visit, name="book-visit"),
    path("signin/", views.signin, name="portal-signin"),
    path("signin/code/", views.signin_code, name="portal-signin-code"),
    path("signout/", views.signout, name="portal-signout"),
    path("cabinet/", views.cabinet, name="cabinet"),
    path("cabinet/applications/<str:number>/", views.cabinet_application, name="cabinet-application"),
    path("cabinet/applications/<str:number>/rate/", views.application_rate, name="application-rate"),
    path("cabinet/applications/<str:number>/resubmit/", views.application_resubmit, name="application-resubmit"),
    path("cabinet/drafts/<str:number>/delete/", views.draft_delete, name="draft-delete"),
    path("cabinet/drafts/<str:number>/<str:step>/", views.draft_step, name="draft-step"),
    path("cabinet/data-access/", views.data_access, name="data-access"),
    path("cabinet/preferences/", views.preferences, name="preferences"),
    path("assist/", views.assist_start, name="assist-start"),
    path("assist/session/", views.assist_home, name="assist-home"),
    path("assist/end/", views.assist_end, name="assist-end"),
    path("staff/2fa/", totp_verify, name="totp-verify"),
    path("staff/2fa/setup/", totp_setup, name="totp-setup"),
]
