"""URLs of the HA Instances panel."""

from django.urls import re_path

from hastack_dashboard.content.project.instances import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
]
