"""The Strategies panel and its editor, whose grid of recover toggles
becomes the 8 rules of the API."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from hastack_dashboard.content.admin.strategies import forms
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_strategies:index')
CREATE_URL = reverse('horizon:admin:ha_strategies:create')
DEFAULT = '5a5a5a5a-4444-4000-8000-000000000001'
CAUTIOUS = '5a5a5a5a-4444-4000-8000-000000000002'
UPDATE_URL = reverse('horizon:admin:ha_strategies:update', args=[CAUTIOUS])

# The 8 vectors in the API's table order, as (mgmt, service, storage).
ORDER = [('down', 'down', 'down'), ('down', 'down', 'up'),
         ('down', 'up', 'down'), ('down', 'up', 'up'),
         ('up', 'down', 'down'), ('up', 'down', 'up'),
         ('up', 'up', 'down'), ('up', 'up', 'up')]


def _strategies():
    cautious = fakes.strategy('cautious', active=False, uuid=CAUTIOUS,
                              rules=[dict(r, recover=False)
                                     for r in fakes.DEFAULT_RULES])
    cautious['rules'][0]['recover'] = True
    return [fakes.strategy('default', uuid=DEFAULT), cautious]


def _toggles(*vectors):
    """Form data ticking the recover toggles of ``vectors``."""
    return {'recover_%s_%s_%s' % v: 'on' for v in vectors}


class TestStrategiesIndex(base.AdminTestCase):

    def test_index(self):
        self.mock_api(strategy_list=_strategies())
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        default, cautious = res.context['table'].get_rows()
        self.assertEqual('Yes', str(default.cells['active'].data))
        self.assertEqual('5 of 8 vectors',
                         str(default.cells['recovered'].data))
        self.assertEqual('1 of 8 vectors',
                         str(cautious.cells['recovered'].data))
        table = res.context['table']
        self.assertEqual(['edit'], [a.name for a in
                                    table.get_row_actions(default.datum)])
        self.assertEqual(['activate', 'delete', 'edit'],
                         sorted(a.name for a in
                                table.get_row_actions(cautious.datum)))

    def test_activate(self):
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_activate=_strategies()[1])
        res = self.client.post(INDEX_URL, {
            'action': 'strategies__activate__%s' % CAUTIOUS})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['strategy_activate'].assert_called_once_with(mock.ANY,
                                                           CAUTIOUS)

    def test_delete(self):
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_delete=None)
        res = self.client.post(INDEX_URL, {
            'action': 'strategies__delete__%s' % CAUTIOUS})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['strategy_delete'].assert_called_once_with(mock.ANY, CAUTIOUS)

    def test_the_active_strategy_is_not_deleted(self):
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_delete=None)
        res = self.client.post(INDEX_URL, {
            'action': 'strategies__delete', 'object_ids': [DEFAULT]})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['strategy_delete'].assert_not_called()


class TestStrategyGrid(base.AdminTestCase):

    def test_create_form_shows_the_active_strategy_as_a_grid(self):
        self.mock_api(strategy_list=_strategies())
        res = self.client.get(CREATE_URL)
        self.assertEqual(200, res.status_code)
        self.assertTemplateUsed(
            res, 'hastack_dashboard/admin/strategies/_grid.html')
        form = res.context['form']
        self.assertEqual(ORDER, [(r['mgmt'], r['service'], r['storage'])
                                 for r in form.grid])
        self.assertEqual(
            [True, True, True, False, True, False, True, False],
            [form.initial['recover_%s_%s_%s' % v] for v in ORDER])
        content = res.content.decode()
        self.assertEqual(8, content.count('<tr class="vector-'))
        self.assertIn('<tr class="vector-up-down-up">', content)
        self.assertIn('name="recover_down_down_down"', content)

    def test_create_turns_the_toggles_into_the_8_rules(self):
        created = fakes.strategy('cautious', active=False, uuid=CAUTIOUS)
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_create=created,
                              strategy_activate=created)
        data = {'name': 'cautious', 'description': 'only dead hosts'}
        data.update(_toggles(('down', 'down', 'down'),
                             ('up', 'up', 'down')))
        res = self.client.post(CREATE_URL, data)
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['strategy_create'].assert_called_once_with(mock.ANY, {
            'name': 'cautious', 'description': 'only dead hosts',
            'rules': [
                {'mgmt': 'down', 'service': 'down', 'storage': 'down',
                 'recover': True},
                {'mgmt': 'down', 'service': 'down', 'storage': 'up',
                 'recover': False},
                {'mgmt': 'down', 'service': 'up', 'storage': 'down',
                 'recover': False},
                {'mgmt': 'down', 'service': 'up', 'storage': 'up',
                 'recover': False},
                {'mgmt': 'up', 'service': 'down', 'storage': 'down',
                 'recover': False},
                {'mgmt': 'up', 'service': 'down', 'storage': 'up',
                 'recover': False},
                {'mgmt': 'up', 'service': 'up', 'storage': 'down',
                 'recover': True},
                {'mgmt': 'up', 'service': 'up', 'storage': 'up',
                 'recover': False},
            ]})
        mocks['strategy_activate'].assert_not_called()

    def test_create_and_activate(self):
        created = fakes.strategy('all', active=False, uuid=CAUTIOUS)
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_create=created,
                              strategy_activate=dict(created, active=True))
        data = {'name': 'all', 'activate': 'on'}
        data.update(_toggles(*ORDER))
        res = self.client.post(CREATE_URL, data)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        rules = mocks['strategy_create'].call_args[0][1]['rules']
        self.assertEqual([True] * 8, [r['recover'] for r in rules])
        self.assertIsNone(
            mocks['strategy_create'].call_args[0][1]['description'])
        mocks['strategy_activate'].assert_called_once_with(mock.ANY,
                                                           CAUTIOUS)
        self.assertMessage(res, 'Strategy all is now active.')

    def test_create_needs_a_name(self):
        mocks = self.mock_api(strategy_list=_strategies(),
                              strategy_create={})
        res = self.client.post(CREATE_URL, _toggles(*ORDER))
        self.assertFormErrors(res, 1)
        mocks['strategy_create'].assert_not_called()

    def test_api_refusal_keeps_the_form(self):
        mocks = self.mock_api(
            strategy_list=_strategies(),
            strategy_create=exceptions.HastackError(
                'strategy cautious exists', status=409),
            strategy_activate={})
        res = self.client.post(CREATE_URL,
                               {'name': 'cautious', 'activate': 'on'})
        self.assertEqual(200, res.status_code)
        mocks['strategy_activate'].assert_not_called()
        self.assertMessageCount(res, error=1)

    def test_update_form_starts_from_the_strategy(self):
        mocks = self.mock_api(strategy_get=_strategies()[1])
        res = self.client.get(UPDATE_URL)
        self.assertEqual(200, res.status_code)
        mocks['strategy_get'].assert_called_once_with(mock.ANY, CAUTIOUS)
        initial = res.context['form'].initial
        self.assertEqual('cautious', initial['name'])
        self.assertEqual(CAUTIOUS, initial['uuid'])
        self.assertFalse(initial['activate'])
        self.assertEqual([True] + [False] * 7,
                         [initial['recover_%s_%s_%s' % v] for v in ORDER])
        self.assertContains(res, 'Edit Strategy cautious')

    def test_update_sends_the_grid(self):
        mocks = self.mock_api(strategy_get=_strategies()[1],
                              strategy_update=_strategies()[1])
        data = {'uuid': CAUTIOUS, 'name': 'cautious', 'description': ''}
        data.update(_toggles(('down', 'down', 'down'),
                             ('down', 'down', 'up')))
        res = self.client.post(UPDATE_URL, data)
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        uuid, values = mocks['strategy_update'].call_args[0][1:]
        self.assertEqual(CAUTIOUS, uuid)
        self.assertEqual([True, True] + [False] * 6,
                         [r['recover'] for r in values['rules']])
        self.assertEqual(ORDER, [(r['mgmt'], r['service'], r['storage'])
                                 for r in values['rules']])


class TestGridHelpers(base.AdminTestCase):

    def test_initial_from_rules_in_any_order(self):
        rules = list(reversed(fakes.DEFAULT_RULES))
        initial = forms.initial_from_rules(rules)
        self.assertEqual(8, len(initial))
        self.assertTrue(initial['recover_up_up_down'])
        self.assertFalse(initial['recover_up_up_up'])

    def test_vectors_are_the_api_table(self):
        self.assertEqual(ORDER, list(forms.VECTORS))
        self.assertEqual('recover_down_up_down',
                         forms.field_name(('down', 'up', 'down')))
