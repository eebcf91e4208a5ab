"""URLs of the Settings panel."""

from django.urls import re_path

from hastack_dashboard.content.admin.ha_settings import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
]
