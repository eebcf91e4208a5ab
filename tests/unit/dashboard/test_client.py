"""The dashboard's HaStack API client, against a stand-in keystoneauth
session: URLs, headers, the user's token, errors, and paging."""

import json
from unittest import mock

from django.test import override_settings
from horizon import exceptions as horizon_exceptions
from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import token_endpoint

from hastack_dashboard.api import exceptions
from hastack_dashboard.api import hastack
from tests.unit.dashboard import base


class FakeResponse:
    """What keystoneauth's session.request returns."""

    def __init__(self, status, doc=None, text=None, headers=None):
        self.status_code = status
        self.reason = {200: 'OK', 204: 'No Content', 400: 'Bad Request',
                       401: 'Unauthorized', 404: 'Not Found',
                       409: 'Conflict', 502: 'Bad Gateway'}.get(status)
        self.headers = headers or {}
        if doc is not None:
            text = json.dumps(doc)
        self.text = text or ''
        self.content = self.text.encode()

    def json(self):
        return json.loads(self.text)


class TestClient(base.AdminTestCase):

    def setUp(self):
        super().setUp()
        self.responses = []
        self.sent = []
        patcher = mock.patch('keystoneauth1.session.Session.request',
                             autospec=True, side_effect=self._request)
        patcher.start()
        self.addCleanup(patcher.stop)
        # A request as Horizon's middleware makes it: its user holds the
        # token and the service catalog from Keystone.
        self.request = self.factory.get('/')
        self.request.user.token.id = 'user-token'

    def _request(self, session, url, method, **kwargs):
        self.sent.append((session, url, method, kwargs))
        response = self.responses.pop(0)
        if isinstance(response, Exception):
            raise response
        return response

    def test_get_uses_the_catalog_endpoint_and_the_users_token(self):
        self.responses.append(FakeResponse(200, {'hosts': []}))
        self.assertEqual([], hastack.host_list(self.request))
        session, url, method, kwargs = self.sent[0]
        self.assertEqual(base.HA_URL + '/v1/hosts', url)
        self.assertEqual('GET', method)
        self.assertEqual('high-availability 1.0',
                         kwargs['headers']['OpenStack-API-Version'])
        self.assertFalse(kwargs['raise_exc'])
        self.assertNotIn('json', kwargs)
        self.assertIsInstance(session.auth, token_endpoint.Token)
        self.assertEqual('user-token', session.auth.token)
        self.assertEqual(hastack.TIMEOUT, session.timeout)
        self.assertTrue(session.verify)

    @override_settings(OPENSTACK_SSL_CACERT='/etc/ssl/ca.pem')
    def test_cacert(self):
        self.responses.append(FakeResponse(200, {'settings': {}}))
        hastack.settings_get(self.request)
        self.assertEqual('/etc/ssl/ca.pem', self.sent[0][0].verify)

    @override_settings(OPENSTACK_SSL_NO_VERIFY=True,
                       OPENSTACK_SSL_CACERT='/etc/ssl/ca.pem')
    def test_no_verify(self):
        self.responses.append(FakeResponse(200, {'settings': {}}))
        hastack.settings_get(self.request)
        self.assertFalse(self.sent[0][0].verify)

    def test_endpoint_with_v1_is_kept(self):
        entry = [s for s in self.request.user.service_catalog
                 if s['type'] == 'high-availability'][0]
        for endpoint in entry['endpoints']:
            endpoint['url'] = 'https://ha.example.com/v1/'
        self.assertEqual('https://ha.example.com/v1',
                         hastack.endpoint(self.request))

    def test_no_endpoint(self):
        self.request.user.service_catalog = [
            s for s in self.request.user.service_catalog
            if s['type'] != 'high-availability']
        self.assertRaises(horizon_exceptions.ServiceCatalogException,
                          hastack.endpoint, self.request)

    def test_path_segments_are_quoted(self):
        self.responses.append(FakeResponse(200, {'name': 'a b'}))
        hastack.strategy_get(self.request, 'a b/c')
        self.assertEqual(base.HA_URL + '/v1/strategies/a%20b%2Fc',
                         self.sent[0][1])

    def test_patch_sends_json(self):
        self.responses.append(FakeResponse(200, {'uuid': 'i1'}))
        self.assertEqual({'uuid': 'i1'}, hastack.instance_update(
            self.request, 'i1', {'ha_enabled': False}))
        _, url, method, kwargs = self.sent[0]
        self.assertEqual(('PATCH', base.HA_URL + '/v1/instances/i1'),
                         (method, url))
        self.assertEqual({'ha_enabled': False}, kwargs['json'])

    def test_maintenance_set(self):
        self.responses += [FakeResponse(200, {'ha_maintenance': True}),
                           FakeResponse(200, {'ha_maintenance': False})]
        hastack.maintenance_set(self.request, True, 'network work')
        hastack.maintenance_set(self.request, False)
        self.assertEqual({'ha_maintenance': True, 'reason': 'network work'},
                         self.sent[0][3]['json'])
        self.assertEqual({'ha_maintenance': False}, self.sent[1][3]['json'])
        self.assertEqual('PUT', self.sent[0][2])

    def test_delete_answers_nothing(self):
        self.responses.append(FakeResponse(204))
        self.assertIsNone(hastack.strategy_delete(self.request, 's1'))
        self.assertEqual('DELETE', self.sent[0][2])

    def test_list_follows_next_links_on_our_endpoint(self):
        self.responses += [
            FakeResponse(200, {'instances': [{'uuid': 'a'}],
                               'next': 'http://elsewhere/v1/instances?'
                                       'limit=1&marker=a&project_id=p1'}),
            FakeResponse(200, {'instances': [{'uuid': 'b'}]}),
        ]
        items = hastack.instance_list(self.request, project_id='p1',
                                      ha_enabled=True)
        self.assertEqual(['a', 'b'], [i['uuid'] for i in items])
        self.assertEqual(base.HA_URL + '/v1/instances?project_id=p1&'
                         'ha_enabled=true', self.sent[0][1])
        self.assertEqual(base.HA_URL + '/v1/instances?limit=1&marker=a&'
                         'project_id=p1', self.sent[1][1])

    def test_list_that_never_ends(self):
        page = {'hosts': [{'name': 'h'}], 'next': base.HA_URL + '/v1/hosts'}
        self.responses += [FakeResponse(200, page)
                           for _ in range(hastack.MAX_PAGES)]
        self.assertRaises(exceptions.HastackError, hastack.host_list,
                          self.request)

    def test_one_page_of_tasks(self):
        self.responses.append(FakeResponse(200, {
            'tasks': [{'uuid': 't1'}, {'uuid': 't2'}],
            'next': base.HA_URL + '/v1/tasks?marker=t2'}))
        tasks, more = hastack.task_list(self.request, {'state': 'failed'},
                                        marker='t0', limit=2)
        self.assertEqual((['t1', 't2'], True),
                         ([t['uuid'] for t in tasks], more))
        self.assertEqual(base.HA_URL + '/v1/tasks?state=failed&'
                         'sort_key=created_at&sort_dir=desc&marker=t0&'
                         'limit=2', self.sent[0][1])

    def test_last_page_of_events(self):
        self.responses.append(FakeResponse(200, {'events': [{'uuid': 'e'}]}))
        events, more = hastack.event_list(self.request, limit=20)
        self.assertFalse(more)
        self.assertNotIn('marker', self.sent[0][1])

    def test_api_error_document(self):
        self.responses.append(FakeResponse(409, {'errors': [{
            'status': 409, 'title': 'Conflict',
            'detail': 'strategy default is active',
            'code': 'hastack.strategy.active', 'request_id': 'req-9'}]}))
        with self.assertRaises(exceptions.HastackError) as caught:
            hastack.strategy_delete(self.request, 'default')
        error = caught.exception
        self.assertEqual(409, error.status)
        self.assertEqual('hastack.strategy.active', error.code)
        self.assertEqual('req-9', error.request_id)
        self.assertEqual('strategy default is active (request req-9)',
                         str(error))

    def test_404_and_401_have_their_classes(self):
        self.responses += [
            FakeResponse(404, {'errors': [{'detail': 'no host x'}]}),
            FakeResponse(401, {'error': {'message': 'token expired'}})]
        with self.assertRaises(exceptions.NotFound) as caught:
            hastack.host_get(self.request, 'x')
        error = caught.exception
        self.assertEqual('no host x', str(error))
        with self.assertRaises(exceptions.Unauthorized) as caught:
            hastack.host_get(self.request, 'x')
        error = caught.exception
        self.assertEqual('token expired', str(error))

    def test_proxy_error_page(self):
        self.responses.append(FakeResponse(
            502, text='<html>Bad Gateway</html>',
            headers={'x-openstack-request-id': 'req-p'}))
        with self.assertRaises(exceptions.HastackError) as caught:
            hastack.status_get(self.request)
        error = caught.exception
        self.assertEqual('Bad Gateway (HTTP 502) (request req-p)',
                         str(error))

    def test_unreachable(self):
        self.responses.append(
            ksa_exceptions.ConnectFailure('connection refused'))
        with self.assertRaises(exceptions.HastackError) as caught:
            hastack.host_list(self.request)
        self.assertIn('could not be reached', str(caught.exception))
        self.assertIn('connection refused', str(caught.exception))
        self.assertIsNone(caught.exception.status)

    def test_answer_that_is_not_json(self):
        self.responses.append(FakeResponse(200, text='hello'))
        with self.assertRaises(exceptions.HastackError) as caught:
            hastack.status_get(self.request)
        error = caught.exception
        self.assertIn('not JSON', str(error))
