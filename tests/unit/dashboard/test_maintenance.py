"""The Maintenance panel: the switch and its form."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_maintenance:index')


class TestMaintenancePanel(base.AdminTestCase):

    def test_index_shows_the_switch_off(self):
        self.mock_api(maintenance_get=fakes.maintenance(False))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(
            res, 'hastack_dashboard/admin/maintenance/index.html')
        self.assertContains(res, 'HA maintenance is OFF')
        self.assertEqual({'ha_maintenance': False, 'reason': ''},
                         res.context['form'].initial)

    def test_index_shows_the_switch_on_with_who_and_why(self):
        self.mock_api(maintenance_get=fakes.maintenance(True, 'network'))
        res = self.client.get(INDEX_URL)
        self.assertContains(res, 'HA maintenance is ON')
        self.assertContains(res, 'Reason: network')
        self.assertContains(res, 'set by admin at 2026-05-01 08:00:00')
        self.assertEqual({'ha_maintenance': True, 'reason': 'network'},
                         res.context['form'].initial)

    def test_switch_on(self):
        mocks = self.mock_api(maintenance_get=fakes.maintenance(False),
                              maintenance_set=fakes.maintenance(True, 'x'))
        res = self.client.post(INDEX_URL, {'ha_maintenance': 'on',
                                           'reason': 'core switch work'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['maintenance_set'].assert_called_once_with(
            mock.ANY, True, 'core switch work')
        self.assertMessage(res, 'HA maintenance is on')

    def test_switch_off(self):
        mocks = self.mock_api(maintenance_get=fakes.maintenance(True),
                              maintenance_set=fakes.maintenance(False))
        res = self.client.post(INDEX_URL, {'reason': ''})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['maintenance_set'].assert_called_once_with(mock.ANY, False,
                                                         None)
        self.assertMessage(res, 'HA maintenance is off')

    def test_api_refusal_keeps_the_form(self):
        self.mock_api(maintenance_get=fakes.maintenance(False),
                      maintenance_set=exceptions.HastackError(
                          'Forbidden', status=403))
        res = self.client.post(INDEX_URL, {'ha_maintenance': 'on'})
        self.assertEqual(200, res.status_code)
        self.assertMessageCount(res, error=1)

    def test_unreadable_switch(self):
        self.mock_api(maintenance_get=exceptions.HastackError('down'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertIsNone(res.context['maintenance'])
        self.assertNotContains(res, 'HA maintenance is O')
