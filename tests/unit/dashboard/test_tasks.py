"""The Tasks panel: pages, the server-side filter, retry and cancel."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_tasks:index')
FAILED = '7d6c0a52-1111-4000-8000-000000000001'
PENDING = '7d6c0a52-1111-4000-8000-000000000002'
RUNNING = '7d6c0a52-1111-4000-8000-000000000003'


def _tasks():
    return [fakes.task(FAILED, state='failed'),
            fakes.task(PENDING, state='pending', type='fence'),
            fakes.task(RUNNING, state='running')]


class TestTasksPanel(base.AdminTestCase):

    def test_index_lists_a_page(self):
        mocks = self.mock_api(task_list=(_tasks(), True))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        mocks['task_list'].assert_called_once_with(mock.ANY, {},
                                                   marker=None, limit=20)
        table = res.context['table']
        self.assertEqual([FAILED, PENDING, RUNNING],
                         [t['uuid'] for t in table.data])
        row = table.get_rows()[0]
        self.assertEqual('7d6c0a52', row.cells['uuid'].data)
        self.assertEqual('5 / 5', row.cells['attempts'].data)
        self.assertEqual('agent_ack', row.cells['proof'].data)
        self.assertFalse(row.cells['state'].status)
        # A next page: the "more" link carries the last task as marker.
        self.assertTrue(table.has_more_data())
        self.assertContains(res, 'marker=%s' % RUNNING)

    def test_next_page_asks_after_the_marker(self):
        mocks = self.mock_api(task_list=([], False))
        res = self.client.get(INDEX_URL + '?marker=%s' % RUNNING)
        self.assertEqual(200, res.status_code)
        mocks['task_list'].assert_called_once_with(mock.ANY, {},
                                                   marker=RUNNING, limit=20)
        self.assertFalse(res.context['table'].has_more_data())

    def test_filter_goes_to_the_api(self):
        mocks = self.mock_api(task_list=(_tasks()[:1], False))
        # Horizon keeps a new filter in the session and starts over.
        res = self.client.post(INDEX_URL,
                               {'tasks__filter__q': ' failed ',
                                'tasks__filter__q_field': 'state'})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual(
            [mock.call(mock.ANY, {'state': 'failed'}, marker=None,
                       limit=20)],
            mocks['task_list'].call_args_list[-1:])

    def test_actions_follow_the_state(self):
        self.mock_api(task_list=(_tasks(), False))
        res = self.client.get(INDEX_URL)
        table = res.context['table']
        actions = [sorted(a.name for a in table.get_row_actions(r.datum))
                   for r in table.get_rows()]
        self.assertEqual([['retry'], ['cancel'], []], actions)

    def test_retry(self):
        mocks = self.mock_api(task_list=(_tasks(), False),
                              task_retry=fakes.task(FAILED, 'pending'))
        res = self.client.post(INDEX_URL,
                               {'action': 'tasks__retry__%s' % FAILED})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['task_retry'].assert_called_once_with(mock.ANY, FAILED)
        self.assertMessage(res, 'Retried Task')

    def test_cancel(self):
        mocks = self.mock_api(task_list=(_tasks(), False),
                              task_cancel=fakes.task(PENDING, 'cancelled'))
        res = self.client.post(INDEX_URL,
                               {'action': 'tasks__cancel__%s' % PENDING})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['task_cancel'].assert_called_once_with(mock.ANY, PENDING)

    def test_cancel_is_refused_for_a_running_task(self):
        mocks = self.mock_api(task_list=(_tasks(), False), task_cancel={})
        res = self.client.post(INDEX_URL,
                               {'action': 'tasks__cancel__%s' % RUNNING})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['task_cancel'].assert_not_called()

    def test_api_conflict_becomes_a_message(self):
        self.mock_api(task_list=(_tasks(), False),
                      task_retry=exceptions.HastackError(
                          'task is not failed', status=409))
        res = self.client.post(INDEX_URL,
                               {'action': 'tasks__retry__%s' % FAILED})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        self.assertMessage(res, 'Unable to retry task')

    def test_list_error(self):
        self.mock_api(task_list=exceptions.HastackError('bad filter'))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        self.assertEqual([], res.context['table'].data)
        self.assertMessageCount(res, error=1)
