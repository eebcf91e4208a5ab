"""Version discovery, healthcheck, microversions and routing errors."""

from tests.unit.api import base


class TestRoot(base.ApiTestCase):

    def test_versions_without_auth(self):
        resp = self.request('GET', '/', headers={}, status=200)
        version = resp.json['versions'][0]
        self.assertEqual('CURRENT', version['status'])
        self.assertEqual('1.0', version['min_version'])
        self.assertEqual('high-availability 1.0',
                         resp.headers['OpenStack-API-Version'])
        self.assertIn('OpenStack-API-Version', resp.headers['Vary'])

    def test_healthcheck_without_auth(self):
        resp = self.request('GET', '/healthcheck', headers={}, status=200)
        self.assertNotIn('errors', resp.text)

    def test_latest_microversion(self):
        resp = self.request(
            'GET', '/v1', status=200,
            headers={'OpenStack-API-Version': 'high-availability latest'})
        self.assertEqual('high-availability 1.0',
                         resp.headers['OpenStack-API-Version'])

    def test_unsupported_microversion(self):
        resp = self.request(
            'GET', '/v1/hosts',
            headers=dict(base.ADMIN, **{
                'OpenStack-API-Version': 'high-availability 9.9'}))
        self.assertError(resp, 406, 'hastack.microversion.unsupported')

    def test_malformed_microversion(self):
        resp = self.request(
            'GET', '/v1/hosts',
            headers=dict(base.ADMIN, **{
                'OpenStack-API-Version': 'high-availability one'}))
        self.assertError(resp, 400)

    def test_unknown_path_is_error_document(self):
        self.assertError(self.request('GET', '/v1/nothing'), 404)

    def test_wrong_method_names_allowed_ones(self):
        resp = self.request('PUT', '/v1/hosts', body={})
        self.assertError(resp, 405, 'hastack.method_not_allowed')
        self.assertEqual('GET, POST', resp.headers['Allow'])

    def test_openapi_document_lists_every_route(self):
        resp = self.request('GET', '/v1/openapi.json', headers={},
                            status=200)
        self.assertEqual('3.1.0', resp.json['openapi'])
        self.assertIn('/v1/hosts/{host}/decision', resp.json['paths'])
