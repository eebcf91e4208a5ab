"""The enabled files put the panels in the right dashboards and groups,
and the panels show only when the catalog has HaStack."""

from django.conf import settings
from django.urls import reverse
import horizon
from keystoneauth1 import exceptions as ksa_exceptions

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

ADMIN_PANELS = ['ha_hosts', 'ha_tasks', 'ha_events', 'ha_strategies',
                'ha_maintenance', 'ha_settings']


class TestEnabled(base.AdminTestCase):

    def test_client_exceptions_keep_their_messages(self):
        # Horizon's test data stubs these; base.py puts them back.
        self.assertEqual('no token (HTTP 401)',
                         str(ksa_exceptions.Unauthorized('no token')))
        self.assertEqual('refused',
                         str(ksa_exceptions.ConnectFailure('refused')))

    def test_admin_panel_group(self):
        admin = horizon.get_dashboard('admin')
        group = admin.get_panel_group('hastack')
        self.assertEqual('High Availability', str(group.name))
        self.assertEqual(ADMIN_PANELS, [p.slug for p in group])

    def test_project_panel_group(self):
        project = horizon.get_dashboard('project')
        group = project.get_panel_group('hastack')
        self.assertEqual('High Availability', str(group.name))
        self.assertEqual(['ha_instances'], [p.slug for p in group])

    def test_errors_are_registered(self):
        errors = settings.HORIZON_CONFIG['exceptions']
        self.assertIn(exceptions.HastackError, errors['recoverable'])
        self.assertIn(exceptions.NotFound, errors['not_found'])
        self.assertIn(exceptions.Unauthorized, errors['unauthorized'])
        self.assertIn('hastack_dashboard', settings.INSTALLED_APPS)

    def test_panels_need_hastack_in_the_catalog(self):
        admin = horizon.get_dashboard('admin')
        user = self.factory.get('/').user
        for slug in ADMIN_PANELS:
            panel = admin.get_panel(slug)
            self.assertEqual(('openstack.services.high-availability',),
                             panel.permissions)
            self.assertTrue(user.has_perms(panel.permissions))
        self.service_catalog[:] = [s for s in self.service_catalog
                                   if s['type'] != 'high-availability']
        user = self.factory.get('/').user
        self.assertFalse(user.has_perms(admin.get_panel('ha_hosts')
                                        .permissions))
        # Not served either.
        mocks = self.mock_api(host_list=[])
        res = self.client.get(reverse('horizon:admin:ha_hosts:index'))
        self.assertNotEqual(200, res.status_code)
        mocks['host_list'].assert_not_called()

    def test_navigation_shows_the_group(self):
        self.mock_api(host_list=[fakes.host()])
        res = self.client.get(reverse('horizon:admin:ha_hosts:index'))
        self.assertContains(res, 'High Availability')
        for slug in ADMIN_PANELS:
            self.assertContains(res, reverse('horizon:admin:%s:index'
                                             % slug))
