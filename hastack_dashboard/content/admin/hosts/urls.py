"""URLs of the Hosts panel."""

from django.urls import re_path

from hastack_dashboard.content.admin.hosts import views

HOST = r'^(?P<host>[^/]+)/'

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(HOST + r'$', views.DetailView.as_view(), name='detail'),
    re_path(HOST + r'maintenance/$', views.MaintenanceView.as_view(),
            name='maintenance'),
]
