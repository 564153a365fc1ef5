from django.contrib.auth import views as auth_views
from django.urls import path

from tereze.applications import views

urlpatterns = [
    path("staff/login/", auth_views.LoginView.as_view(template_name="registration/login.html"), name="login"),
    path("staff/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("staff/", views.staff_home, name="staff-home"),
    path("staff/queue/", views.official_queue, name="official-queue"),
    path("staff/body/", views.body_supervisor, name="body-supervisor"),
    path("staff/intake/", views.intake_start, name="intake-start"),
    path("staff/intake/<str:code>/", views.intake, name="intake"),
    path("staff/applications/<str:number>/", views.application_page, name="staff-application"),
    path("staff/applications/<str:number>/issue/", views.issue_result, name="issue-result"),
    path("staff/applications/<str:number>/documents/<int:document_id>/", views.document_file, name="document-file"),
    path("applications/<str:number>/receipt/", views.receipt, name="application-receipt"),
    path("applications/<str:number>/result.pdf", views.result_download, name="result-download"),
    path("verify/", views.verify_form, name="verify"),
    path("verify/<str:code>/", views.verify_result, name="verify-result"),
]
