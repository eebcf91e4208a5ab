"""The Settings panel: the values, their defaults, changes and resets."""

from unittest import mock

from django.urls import reverse

from hastack_dashboard.api import exceptions
from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_settings:index')


def _form(**overrides):
    data = {key: setting['value']
            for key, setting in fakes.settings().items()}
    data.update(overrides)
    return data


class TestSettingsPanel(base.AdminTestCase):

    def test_index_has_a_field_per_setting(self):
        self.mock_api(settings_get=fakes.settings())
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        form = res.context['form']
        keys = sorted(fakes.settings())
        self.assertEqual(
            sorted(keys + ['reset_%s' % k for k in keys]),
            sorted(form.fields))
        self.assertEqual(3, form.fields['host_rate_limit'].initial)
        self.assertEqual('IntegerField',
                         type(form.fields['host_rate_limit']).__name__)
        self.assertEqual('FloatField',
                         type(form.fields['self_defense_ratio']).__name__)
        self.assertIn('Default 10; the value now comes from the run-time',
                      str(form.fields['host_rate_limit'].help_text))
        rows = {s['key']: s for s in res.context['settings']}
        self.assertEqual('runtime', rows['host_rate_limit']['source'])
        self.assertContains(res, 'Per-host rate limit')

    def test_only_changed_values_are_sent(self):
        mocks = self.mock_api(settings_get=fakes.settings(),
                              settings_update=fakes.settings())
        res = self.client.post(INDEX_URL, _form(global_rate_limit='40',
                                                self_defense_ratio='0.6'))
        self.assertNoFormErrors(res)
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['settings_update'].assert_called_once_with(
            mock.ANY, {'global_rate_limit': 40, 'self_defense_ratio': 0.6})
        changes = mocks['settings_update'].call_args[0][1]
        self.assertIsInstance(changes['global_rate_limit'], int)
        self.assertIsInstance(changes['self_defense_ratio'], float)

    def test_reset_sends_null(self):
        mocks = self.mock_api(settings_get=fakes.settings(),
                              settings_update=fakes.settings())
        res = self.client.post(INDEX_URL, _form(reset_host_rate_limit='on',
                                                reset_max_retries='on'))
        self.assertRedirectsNoFollow(res, INDEX_URL)
        # max_retries comes from the config file: nothing to reset.
        mocks['settings_update'].assert_called_once_with(
            mock.ANY, {'host_rate_limit': None})

    def test_nothing_changed_sends_nothing(self):
        mocks = self.mock_api(settings_get=fakes.settings(),
                              settings_update=fakes.settings())
        res = self.client.post(INDEX_URL, _form())
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['settings_update'].assert_not_called()
        self.assertMessage(res, 'No setting changed.')

    def test_a_value_is_required(self):
        mocks = self.mock_api(settings_get=fakes.settings(),
                              settings_update=fakes.settings())
        res = self.client.post(INDEX_URL, _form(grace_period=''))
        self.assertFormErrors(res, 1)
        mocks['settings_update'].assert_not_called()

    def test_api_refusal_keeps_the_form(self):
        mocks = self.mock_api(
            settings_get=fakes.settings(),
            settings_update=exceptions.HastackError(
                'self_recovery_ratio (0.4) must be above 1 - '
                'self_defense_ratio (0.6)', status=400))
        res = self.client.post(INDEX_URL, _form(self_recovery_ratio='0.4'))
        self.assertEqual(200, res.status_code)
        self.assertEqual(1, mocks['settings_update'].call_count)
        self.assertMessageCount(res, error=1)
