"""The API behind keystonemiddleware: what needs a token and what does not.

Token validation against a real Keystone is a functional test; here
auth_token sees no token at all, which it refuses without asking Keystone.
"""

import webtest

from hastack.api import app
from tests import base


class TestKeystoneStrategy(base.DbTestCase):

    def setUp(self):
        super().setUp()
        self.flags(group='api', auth_strategy='keystone')
        self.flags(group='keystone_authtoken',
                   www_authenticate_uri='http://127.0.0.1:5000/v3')
        self.app = webtest.TestApp(app.setup_app(self.conf.conf))

    def test_no_token_is_401_error_document(self):
        resp = self.app.get('/v1/hosts', expect_errors=True)
        self.assertEqual(401, resp.status_int)
        self.assertIn('WWW-Authenticate', resp.headers)
        error = resp.json['errors'][0]
        self.assertEqual(401, error['status'])
        self.assertEqual('hastack.unauthorized', error['code'])

    def test_headers_alone_do_not_authenticate(self):
        resp = self.app.get('/v1/hosts', expect_errors=True,
                            headers={'X-Roles': 'admin',
                                     'X-Project-Id': 'p'})
        self.assertEqual(401, resp.status_int)

    def test_version_discovery_and_healthcheck_need_no_token(self):
        self.assertEqual(200, self.app.get('/').status_int)
        self.assertEqual(200, self.app.get('/v1').status_int)
        self.assertEqual(200, self.app.get('/healthcheck').status_int)
