"""The API under webtest with noauth and a fresh SQLite database."""

import webtest

from hastack.api import app
from tests import base

PROJECT_A = 'a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0'
PROJECT_B = 'b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1b1'


def persona(role, project=PROJECT_A, user=None):
    """Request headers of a caller with ``role`` in ``project``."""
    return {'X-Roles': role, 'X-Project-Id': project,
            'X-User-Id': user or '%s-of-%s' % (role, project[:4])}


ADMIN = persona('admin')
MEMBER = persona('member')
READER = persona('reader')
OTHER_MEMBER = persona('member', PROJECT_B)
OTHER_READER = persona('reader', PROJECT_B)
SERVICE = persona('service', user='hastack-service')
NOBODY = {'X-Project-Id': PROJECT_A, 'X-User-Id': 'nobody'}


class ApiTestCase(base.DbTestCase):
    """Requests go through the whole middleware stack, as in production."""

    def setUp(self):
        super().setUp()
        self.flags(group='api', auth_strategy='noauth')
        self.app = webtest.TestApp(app.setup_app(self.conf.conf))

    def request(self, method, path, headers=ADMIN, body=None, status=None,
                **kwargs):
        """Send a request; ``body`` is sent as JSON (a str as is)."""
        kwargs.setdefault('expect_errors', True)
        call = getattr(self.app, method.lower())
        if body is not None:
            if isinstance(body, str):
                kwargs['params'] = body
                kwargs['content_type'] = 'application/json'
            else:
                call = getattr(self.app, '%s_json' % method.lower())
                kwargs['params'] = body
        response = call(path, headers=headers, **kwargs)
        if status is not None:
            self.assertEqual(status, response.status_int, response.text)
        return response

    def assertError(self, response, status, code=None):
        """The response is the OpenStack error document for ``status``."""
        self.assertEqual(status, response.status_int, response.text)
        errors = response.json['errors']
        self.assertEqual(1, len(errors))
        error = errors[0]
        self.assertEqual(status, error['status'])
        self.assertTrue(error['title'])
        self.assertTrue(error['detail'])
        self.assertTrue(error['request_id'].startswith('req-'))
        if code is not None:
            self.assertEqual(code, error['code'])
        return error
