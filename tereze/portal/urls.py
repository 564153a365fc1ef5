from django.urls import path
from django.views.generic import RedirectView

from tereze.portal import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="catalogue"), name="home"),
    path("services/", views.catalogue, name="catalogue"),
    path("services/<str:code>/", views.service_page, name="service-page"),
]
