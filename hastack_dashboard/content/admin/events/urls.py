"""URLs of the Events panel."""

from django.urls import re_path

from hastack_dashboard.content.admin.events import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
]
