"""URLs of the Tasks panel."""

from django.urls import re_path

from hastack_dashboard.content.admin.tasks import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
]
