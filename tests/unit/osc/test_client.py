"""The REST client: URLs, headers, errors and paging."""

import fixtures
from keystoneauth1 import exceptions as ksa_exceptions
from oslotest import base

from hastack.osc import client
from tests.unit.osc import fakes


class TestClientRequests(base.BaseTestCase):
    """What the client sends and how it reads answers."""

    def make(self, *responses, endpoint=fakes.ENDPOINT, **kwargs):
        """A client whose session answers ``responses``."""
        self.session = fakes.FakeSession(*responses)
        return client.Client(self.session, endpoint, **kwargs)

    def test_endpoint_gets_v1_once(self):
        for endpoint in ('http://h:1', 'http://h:1/', 'http://h:1/v1',
                         'http://h:1/v1/'):
            self.assertEqual('http://h:1/v1',
                             self.make(endpoint=endpoint).base_url)
        self.assertEqual('http://h/ha/v1',
                         self.make(endpoint='http://h/ha').base_url)

    def test_no_endpoint_is_an_error(self):
        e = self.assertRaises(client.HastackClientError, self.make,
                              endpoint=None)
        self.assertIn('high-availability', str(e))

    def test_microversion_and_accept_headers(self):
        c = self.make({'hosts': []}, api_version='1.7')
        c.get('/hosts')
        headers = self.session.calls[0].headers
        self.assertEqual('high-availability 1.7',
                         headers['OpenStack-API-Version'])
        self.assertEqual('application/json', headers['Accept'])
        self.assertFalse(self.session.calls[0].kwargs['raise_exc'])

    def test_default_version_is_the_newest_known(self):
        c = self.make({})
        c.get('/status')
        self.assertEqual('high-availability %s' % client.MAX_VERSION,
                         self.session.calls[0].headers[
                             'OpenStack-API-Version'])

    def test_query_booleans_and_none(self):
        c = self.make({'x': 1})
        c.get('/hosts', {'ha_enabled': False, 'maintenance': True,
                         'state': None, 'limit': 3})
        self.assertEqual({'ha_enabled': 'false', 'maintenance': 'true',
                          'limit': '3'}, self.session.calls[0].query)

    def test_body_is_sent_as_json(self):
        c = self.make({'name': 'c1'})
        self.assertEqual({'name': 'c1'}, c.post('/hosts', {'name': 'c1'}))
        call = self.session.calls[0]
        self.assertEqual(('POST', {'name': 'c1'}), (call.method, call.body))

    def test_no_content(self):
        c = self.make(None)
        self.assertIsNone(c.delete('/hosts/c1'))
        self.assertEqual('DELETE', self.session.calls[0].method)

    def test_names_are_quoted_in_paths(self):
        c = self.make({'name': 'my strategy'})
        c.strategy_get('my strategy/x')
        self.assertEqual('/v1/strategies/my%20strategy%2Fx',
                         self.session.calls[0].path)

    def test_success_that_is_not_json(self):
        c = self.make(fakes.FakeResponse(200, text='<html>hi</html>'))
        e = self.assertRaises(client.HastackClientError, c.get, '/status')
        self.assertIn('not JSON', str(e))

    def test_connection_failure_is_one_line(self):
        c = self.make(ksa_exceptions.ConnectFailure(
            'Unable to establish connection\nto http://h:1/v1/hosts'))
        e = self.assertRaises(client.HastackClientError, c.get, '/hosts')
        self.assertNotIn('\n', str(e))
        self.assertIn('Unable to reach the HaStack API at %s/v1'
                      % fakes.ENDPOINT, str(e))

    def test_other_keystoneauth_failure_is_one_line(self):
        c = self.make(ksa_exceptions.Unauthorized(
            'The request you have made\nrequires authentication.'))
        e = self.assertRaises(client.HastackClientError, c.get, '/hosts')
        self.assertEqual('GET %s/v1/hosts failed: The request you have '
                         'made requires authentication. (HTTP 401)'
                         % fakes.ENDPOINT, str(e))


class TestApiErrors(base.BaseTestCase):
    """API errors become one readable line."""

    def raised(self, response):
        """The ApiError a GET answered with ``response`` raises."""
        c = client.Client(fakes.FakeSession(response), fakes.ENDPOINT)
        return self.assertRaises(client.ApiError, c.get, '/hosts')

    def test_openstack_error_document(self):
        e = self.raised(fakes.error(
            403, 'Forbidden',
            'Policy does not allow\n  hastack:host:list to be performed.',
            'hastack.forbidden', 'req-abc'))
        self.assertEqual((403, 'Forbidden', 'hastack.forbidden', 'req-abc'),
                         (e.status, e.title, e.code, e.request_id))
        self.assertEqual(
            'Forbidden (HTTP 403, hastack.forbidden): Policy does not allow '
            'hastack:host:list to be performed. (Request-ID: req-abc)',
            str(e))

    def test_it_is_a_command_error(self):
        # OpenStackClient prints a CommandError as one line and exits 1.
        e = self.raised(fakes.error(404, 'Not Found', 'No host x.',
                                    'hastack.host.not_found'))
        self.assertIsInstance(e, client.osc_exceptions.CommandError)

    def test_several_errors_are_counted(self):
        response = fakes.FakeResponse(400, {'errors': [
            {'status': 400, 'title': 'Bad Request', 'detail': 'one'},
            {'status': 400, 'title': 'Bad Request', 'detail': 'two'}]})
        e = self.raised(response)
        self.assertEqual('Bad Request (HTTP 400): one (and 1 more error)',
                         str(e))

    def test_keystone_style_error(self):
        e = self.raised(fakes.FakeResponse(
            401, {'error': {'code': 401, 'message': 'The request you have '
                            'made requires authentication.',
                            'title': 'Unauthorized'}},
            headers={'X-OpenStack-Request-Id': 'req-k'},
            reason='UNAUTHORIZED'))
        self.assertEqual('UNAUTHORIZED (HTTP 401): The request you have made '
                         'requires authentication. (Request-ID: req-k)',
                         str(e))

    def test_html_error_page(self):
        e = self.raised(fakes.FakeResponse(
            502, text='<html><body>\nBad gateway\n</body></html>',
            reason='Bad Gateway'))
        self.assertEqual('Bad Gateway (HTTP 502)', str(e))

    def test_plain_text_error(self):
        e = self.raised(fakes.FakeResponse(503, text='try\nlater',
                                           reason='Service Unavailable'))
        self.assertEqual('Service Unavailable (HTTP 503): try later', str(e))


class TestPaging(base.BaseTestCase):
    """Lists follow next links."""

    def make(self, *responses):
        """A client whose session answers ``responses``."""
        self.session = fakes.FakeSession(*responses)
        return client.Client(self.session, fakes.ENDPOINT)

    def test_follows_next_with_its_query_on_our_endpoint(self):
        c = self.make(
            {'hosts': [{'uuid': 'a'}, {'uuid': 'b'}],
             'next': 'http://elsewhere:9/v1/hosts?limit=2&marker=b&'
                     'state=active'},
            {'hosts': [{'uuid': 'c'}]})
        items = c.host_list({'state': 'active'})
        self.assertEqual(['a', 'b', 'c'], [i['uuid'] for i in items])
        self.assertEqual({'state': 'active'}, self.session.calls[0].query)
        second = self.session.calls[1]
        self.assertTrue(second.url.startswith(fakes.ENDPOINT + '/v1/hosts?'))
        self.assertEqual({'limit': '2', 'marker': 'b', 'state': 'active'},
                         second.query)

    def test_limit_stops_early_and_asks_for_the_rest(self):
        c = self.make(
            {'tasks': [{'uuid': 'a'}, {'uuid': 'b'}],
             'next': 'http://h/v1/tasks?limit=2&marker=b'},
            {'tasks': [{'uuid': 'c'}, {'uuid': 'd'}],
             'next': 'http://h/v1/tasks?limit=2&marker=d'})
        items = c.task_list(limit=3, sort_key='created_at', sort_dir='desc')
        self.assertEqual(['a', 'b', 'c'], [i['uuid'] for i in items])
        self.assertEqual({'limit': '3', 'sort_key': 'created_at',
                          'sort_dir': 'desc'}, self.session.calls[0].query)
        self.assertEqual({'limit': '1', 'marker': 'b'},
                         self.session.calls[1].query)
        self.assertEqual(2, len(self.session.calls))

    def test_marker_is_sent(self):
        c = self.make({'events': []})
        self.assertEqual([], c.event_list(marker='m1'))
        self.assertEqual({'marker': 'm1'}, self.session.calls[0].query)

    def test_endless_links_are_cut(self):
        self.useFixture(fixtures.MonkeyPatch('hastack.osc.client.MAX_PAGES',
                                             3))
        page = {'hosts': [{'uuid': 'a'}],
                'next': 'http://h/v1/hosts?marker=a'}
        c = self.make(page, page, page)
        e = self.assertRaises(client.HastackClientError, c.host_list)
        self.assertIn('did not end after 3 pages', str(e))
