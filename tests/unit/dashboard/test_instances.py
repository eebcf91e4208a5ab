"""The HA Instances panel of the Project dashboard."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:project:ha_instances:index')
WEB = 'a0c1f6de-2222-4000-8000-000000000001'
DB = 'a0c1f6de-2222-4000-8000-000000000002'


def _instances():
    return [fakes.instance(WEB, 'web-1', ha_enabled=True),
            fakes.instance(DB, 'db-1', ha_enabled=False)]


class TestInstancesPanel(base.ProjectTestCase):

    def test_index_lists_the_projects_instances(self):
        mocks = self.mock_api(instance_list=_instances())
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        mocks['instance_list'].assert_called_once_with(
            mock.ANY, project_id=self.tenant.id)
        web, db = res.context['table'].get_rows()
        self.assertEqual('Yes', str(web.cells['ha_enabled'].data))
        self.assertEqual('No', str(db.cells['ha_enabled'].data))
        self.assertContains(
            res, reverse('horizon:project:instances:detail', args=[WEB]))
        table = res.context['table']
        self.assertEqual(['disable_ha'],
                         [a.name for a in table.get_row_actions(web.datum)])
        self.assertEqual(['enable_ha'],
                         [a.name for a in table.get_row_actions(db.datum)])

    def test_enable_ha(self):
        mocks = self.mock_api(instance_list=_instances(),
                              instance_update=fakes.instance(DB))
        res = self.client.post(INDEX_URL,
                               {'action': 'instances__enable_ha__%s' % DB})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['instance_update'].assert_called_once_with(
            mock.ANY, DB, {'ha_enabled': True})

    def test_disable_ha(self):
        mocks = self.mock_api(instance_list=_instances(),
                              instance_update=fakes.instance(WEB))
        res = self.client.post(INDEX_URL,
                               {'action': 'instances__disable_ha__%s' % WEB})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['instance_update'].assert_called_once_with(
            mock.ANY, WEB, {'ha_enabled': False})

    def test_forbidden_toggle_becomes_a_message(self):
        self.mock_api(instance_list=_instances(),
                      instance_update=exceptions.HastackError(
                          'Policy does not allow', status=403))
        res = self.client.post(INDEX_URL,
                               {'action': 'instances__disable_ha__%s' % WEB})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessage(res, 'Unable to disable ha')

    def test_filter_by_name(self):
        self.mock_api(instance_list=_instances())
        res = self.client.post(INDEX_URL, {'instances__filter__q': 'db'})
        self.assertEqual(200, res.status_code)
        table = res.context['table']
        self.assertEqual([DB], [r.datum['uuid'] for r in
                                table.get_rows()])
