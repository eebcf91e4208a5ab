"""The Events panel: the list, its filter and acknowledgement."""

from unittest import mock

from django.urls import reverse

from tests.unit.dashboard import base
from tests.unit.dashboard import fakes

INDEX_URL = reverse('horizon:admin:ha_events:index')
NEW = 'e1e1e1e1-3333-4000-8000-000000000001'
SEEN = 'e1e1e1e1-3333-4000-8000-000000000002'


def _events():
    return [fakes.event(NEW, severity='critical'),
            fakes.event(SEEN, severity='info', acknowledged=True)]


class TestEventsPanel(base.AdminTestCase):

    def filter_by(self, field, value):
        """Submit the table's filter, then load the filtered page."""
        res = self.client.post(INDEX_URL, {'events__filter__q': value,
                                           'events__filter__q_field': field})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        return res

    def test_index(self):
        mocks = self.mock_api(event_list=(_events(), False))
        res = self.client.get(INDEX_URL)
        self.assertEqual(200, res.status_code)
        mocks['event_list'].assert_called_once_with(mock.ANY, {},
                                                    marker=None, limit=20)
        new, seen = res.context['table'].get_rows()
        self.assertEqual('critical', new.cells['severity'].data)
        self.assertFalse(new.cells['severity'].status)
        self.assertEqual('No', str(new.cells['acknowledged'].data))
        self.assertEqual('Yes (admin)', str(seen.cells['acknowledged'].data))
        self.assertEqual('2026-05-01 10:09:00', new.cells['created_at'].data)
        self.assertContains(res, 'evacuation failed 5 times')

    def test_filter_on_acknowledged_sends_a_boolean(self):
        mocks = self.mock_api(event_list=(_events()[:1], False))
        self.filter_by('acknowledged', 'no')
        mocks['event_list'].assert_called_once_with(
            mock.ANY, {'acknowledged': False}, marker=None, limit=20)

    def test_filter_on_severity(self):
        mocks = self.mock_api(event_list=(_events()[:1], False))
        self.filter_by('severity', 'critical')
        mocks['event_list'].assert_called_once_with(
            mock.ANY, {'severity': 'critical'}, marker=None, limit=20)

    def test_ack(self):
        mocks = self.mock_api(event_list=(_events(), False),
                              event_ack=fakes.event(NEW, acknowledged=True))
        res = self.client.post(INDEX_URL,
                               {'action': 'events__ack__%s' % NEW})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['event_ack'].assert_called_once_with(mock.ANY, NEW)
        self.assertMessage(res, 'Acknowledged Event')

    def test_ack_only_what_is_not_acknowledged(self):
        mocks = self.mock_api(event_list=(_events(), False), event_ack={})
        res = self.client.post(INDEX_URL,
                               {'action': 'events__ack',
                                'object_ids': [NEW, SEEN]})
        self.assertRedirectsNoFollow(res, INDEX_URL)
        mocks['event_ack'].assert_called_once_with(mock.ANY, NEW)
