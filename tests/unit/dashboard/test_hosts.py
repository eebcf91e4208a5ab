"""The Hosts panel: the list, a host's decision, HA and maintenance."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_hosts:index')
DETAIL_URL = reverse('horizon:admin:ha_hosts:detail', args=['compute-2'])
MAINTENANCE_URL = reverse('horizon:admin:ha_hosts:maintenance',
                          args=['compute-2'])


def _hosts():
    return [fakes.host('compute-1'),
            fakes.host('compute-2', state='suspect', mgmt='down',
                       service='down', ha_enabled=False, maintenance=True,
                       reason='disk swap')]


class TestHostsIndex(base.AdminTestCase):

    def test_index_lists_hosts_with_their_planes(self):
        mocks = self.mock_api(host_list=_hosts())
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res, 'horizon/common/_data_table_view.html')
        mocks['host_list'].assert_called_once_with(mock.ANY)
        table = res.context['table']
        self.assertEqual(['compute-1', 'compute-2'],
                         [h['name'] for h in table.data])
        up, suspect = table.get_rows()
        self.assertEqual(['up', 'up', 'up'],
                         [up.cells[p].data for p in
                          ('mgmt', 'service', 'storage')])
        self.assertEqual(['down', 'down', 'up'],
                         [suspect.cells[p].data for p in
                          ('mgmt', 'service', 'storage')])
        self.assertEqual('suspect', suspect.cells['state'].data)
        self.assertFalse(suspect.cells['mgmt'].status)
        self.assertTrue(suspect.cells['storage'].status)
        self.assertEqual('Yes: disk swap',
                         str(suspect.cells['maintenance'].data))
        self.assertEqual('No', str(suspect.cells['ha_enabled'].data))
        self.assertEqual('2026-05-01 10:00:00',
                         up.cells['state_since'].data)
        self.assertContains(res, DETAIL_URL)

    def test_index_api_error_shows_a_message(self):
        self.mock_api(host_list=exceptions.HastackError('API down'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)

    def test_row_actions_follow_the_host_flag(self):
        self.mock_api(host_list=_hosts())
        res = self.client.get(INDEX_URL)
        up, suspect = res.context['table'].get_rows()
        names = [a.name for a in up.table.get_row_actions(up.datum)]
        self.assertIn('disable_ha', names)
        self.assertNotIn('enable_ha', names)
        names = [a.name for a in suspect.table.get_row_actions(
            suspect.datum)]
        self.assertIn('enable_ha', names)
        self.assertNotIn('disable_ha', names)
        self.assertIn('maintenance', names)
        self.assertIn('decision', names)

    def test_enable_ha(self):
        mocks = self.mock_api(host_list=_hosts(),
                              host_update=fakes.host('compute-2'))
        res = self.client.post(INDEX_URL,
                               {'action': 'hosts__enable_ha__compute-2'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['host_update'].assert_called_once_with(
            mock.ANY, 'compute-2', {'ha_enabled': True})

    def test_disable_ha_of_several_hosts(self):
        hosts = _hosts()
        hosts[1]['ha_enabled'] = True
        mocks = self.mock_api(host_list=hosts, host_update={})
        res = self.client.post(INDEX_URL,
                               {'action': 'hosts__disable_ha',
                                'object_ids': ['compute-1', 'compute-2']})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(
            [mock.call(mock.ANY, 'compute-1', {'ha_enabled': False}),
             mock.call(mock.ANY, 'compute-2', {'ha_enabled': False})],
            mocks['host_update'].call_args_list)

    def test_enable_ha_api_error(self):
        mocks = self.mock_api(
            host_list=_hosts(),
            host_update=exceptions.HastackError('Forbidden', status=403))
        res = self.client.post(INDEX_URL,
                               {'action': 'hosts__enable_ha__compute-2'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertEqual(1, mocks['host_update'].call_count)
        self.assertMessage(res, 'Unable to')


class TestHostDecision(base.AdminTestCase):

    def test_detail_shows_planes_and_the_decision(self):
        host = _hosts()[1]
        mocks = self.mock_api(host_get=host,
                              host_decision=fakes.decision('compute-2'))
        res = self.client.get(DETAIL_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(res,
                                'hastack_dashboard/admin/hosts/detail.html')
        mocks['host_get'].assert_called_once_with(mock.ANY, 'compute-2')
        mocks['host_decision'].assert_called_once_with(mock.ANY,
                                                       'compute-2')
        self.assertEqual(['mgmt', 'service', 'storage'],
                         [p['name'] for p in res.context['planes']])
        self.assertEqual(['down', 'down', 'up'],
                         [p['status'] for p in res.context['planes']])
        self.assertEqual('2026-05-01 10:07:00', res.context['recover_at'])
        content = res.content.decode()
        self.assertIn('<strong class="decision-action">wait</strong>',
                      content)
        self.assertIn('grace period ends at 10:07:00', content)
        self.assertIn('mgmt=down, service=down, storage=up: recover',
                      content)
        self.assertIn('no-fence grant until 2026-05-01T10:07:00', content)
        self.assertIn('class="gate-fencing_grant"', content)
        self.assertEqual('Host compute-2', res.context['page_title'])

    def test_detail_of_a_missing_host_goes_back_to_the_list(self):
        self.mock_api(host_get=exceptions.NotFound('no host compute-2',
                                                   status=404),
                      host_decision=fakes.decision())
        res = self.client.get(DETAIL_URL)
        self.assertRedirectsNoFollow(res, INDEX_URL)


class TestHostMaintenance(base.AdminTestCase):

    def test_form_starts_from_the_host(self):
        self.mock_api(host_get=_hosts()[1])
        res = self.client.get(MAINTENANCE_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(
            res, 'hastack_dashboard/admin/hosts/_maintenance.html')
        form = res.context['form']
        self.assertEqual({'host': 'compute-2', 'maintenance': True,
                          'reason': 'disk swap'}, form.initial)

    def test_put_in_maintenance_with_a_reason(self):
        mocks = self.mock_api(host_update=fakes.host('compute-2'))
        res = self.client.post(MAINTENANCE_URL,
                               {'host': 'compute-2', 'maintenance': 'on',
                                'reason': 'BIOS update'})
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['host_update'].assert_called_once_with(
            mock.ANY, 'compute-2',
            {'maintenance': True, 'maintenance_reason': 'BIOS update'})

    def test_take_out_of_maintenance(self):
        mocks = self.mock_api(host_update=fakes.host('compute-2'))
        res = self.client.post(MAINTENANCE_URL,
                               {'host': 'compute-2', 'reason': 'ignored'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['host_update'].assert_called_once_with(
            mock.ANY, 'compute-2', {'maintenance': False})

    def test_api_refusal_keeps_the_form(self):
        self.mock_api(host_update=exceptions.HastackError('bad reason',
                                                          status=400))
        res = self.client.post(MAINTENANCE_URL,
                               {'host': 'compute-2', 'maintenance': 'on'})
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(
            res, 'hastack_dashboard/admin/hosts/_maintenance.html')
