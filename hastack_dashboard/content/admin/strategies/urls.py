"""URLs of the Strategies panel."""

from django.urls import re_path

from hastack_dashboard.content.admin.strategies import views

urlpatterns = [
    re_path(r'^$', views.IndexView.as_view(), name='index'),
    re_path(r'^create/$', views.CreateView.as_view(), name='create'),
    re_path(r'^(?P<strategy>[^/]+)/update/$', views.UpdateView.as_view(),
            name='update'),
]
