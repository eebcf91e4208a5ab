"""Every API endpoint for every persona, with real Keystone tokens.

hastack-api runs as a process with keystonemiddleware ``auth_token``
validating tokens against a real Keystone; the personas are real Keystone
users (admin, HaStack's service user, members and readers of two
projects). Each row of the matrix is one endpoint and the status each
persona gets; a denial must be 403 in the OpenStack error format. Then
project isolation: instances, tasks and events of one project are
invisible to the other project's users.
"""

from tests.functional.keystone import base
from tests.functional.keystone import fixture as ks_fixture

ALL = ('admin', 'hastack', 'member-a', 'reader-a', 'member-b')
ADMIN_OR_SERVICE = {'admin': 'ok', 'hastack': 'ok', 'member-a': 403,
                    'reader-a': 403, 'member-b': 403}
ADMIN_ONLY = {'admin': 'ok', 'hastack': 403, 'member-a': 403,
              'reader-a': 403, 'member-b': 403}
ANY_READER = {p: 'ok' for p in ALL}


class TestPersonaMatrix(base.DeploymentTestCase):
    """Endpoints x personas, and project isolation, with real tokens."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        d = cls.deployment
        ks = d.keystone
        cls.project_a = ks.project_id('project-a')
        cls.project_b = ks.project_id('project-b')
        cls.instance_a = d.add_instance(cls.project_a)
        cls.instance_b = d.add_instance(cls.project_b)
        cls.failed_task_a = d.add_task(cls.project_a, 'failed',
                                       cls.instance_a)
        cls.pending_task_a = d.add_task(cls.project_a, 'pending',
                                        cls.instance_a)
        cls.task_b = d.add_task(cls.project_b, 'failed', cls.instance_b)
        cls.host_task = d.add_task(None, 'succeeded', task_type='fence')
        cls.event_a = d.add_event(cls.project_a, 'vm of A evacuated',
                                  cls.instance_a)
        cls.event_b = d.add_event(cls.project_b, 'vm of B evacuated',
                                  cls.instance_b)
        cls.host_event = d.add_event(None, 'compute-1 failed',
                                     severity='critical',
                                     event_type='host.state')

    def rows(self):
        """(method, path, body, {persona: expected}) in the order run.

        ``ok`` is the endpoint's success status (GET 200, POST to a
        collection 201, DELETE 204); ``{p}`` in a path or body is the
        persona, so each persona's writes touch its own objects.
        """
        instance_a = {'admin': 'ok', 'hastack': 'ok', 'member-a': 'ok',
                      'reader-a': 'ok', 'member-b': 404}
        update_a = dict(instance_a, **{'reader-a': 403})
        task_a = dict(instance_a)
        strategy = {'name': 's-{p}', 'rules': [
            {'mgmt': m, 'service': s, 'storage': t,
             'recover': (m, s, t) != ('up', 'up', 'up')}
            for m in ('down', 'up') for s in ('down', 'up')
            for t in ('down', 'up')]}
        return [
            ('GET', '/v1/hosts', None, ADMIN_OR_SERVICE),
            ('POST', '/v1/hosts', {'name': 'host-{p}'}, ADMIN_OR_SERVICE),
            ('GET', '/v1/hosts/host-admin', None, ADMIN_OR_SERVICE),
            ('PATCH', '/v1/hosts/host-admin', {'ha_enabled': True},
             ADMIN_OR_SERVICE),
            ('GET', '/v1/hosts/host-admin/decision', None,
             ADMIN_OR_SERVICE),
            ('DELETE', '/v1/hosts/host-{p}', None, ADMIN_ONLY),
            ('GET', '/v1/strategies', None, ADMIN_OR_SERVICE),
            ('GET', '/v1/strategies/default', None, ADMIN_OR_SERVICE),
            ('POST', '/v1/strategies', strategy, ADMIN_ONLY),
            ('PATCH', '/v1/strategies/s-{p}', {'description': 'd'},
             ADMIN_ONLY),
            ('POST', '/v1/strategies/default/activate', None, ADMIN_ONLY),
            ('DELETE', '/v1/strategies/s-{p}', None, ADMIN_ONLY),
            ('GET', '/v1/maintenance', None, ADMIN_OR_SERVICE),
            ('PUT', '/v1/maintenance', {'ha_maintenance': False,
                                        'reason': 'by {p}'}, ADMIN_ONLY),
            ('GET', '/v1/settings', None, ADMIN_OR_SERVICE),
            ('PATCH', '/v1/settings', {'max_retries': 4}, ADMIN_ONLY),
            ('GET', '/v1/status', None, ADMIN_OR_SERVICE),
            ('GET', '/v1/instances', None, ANY_READER),
            ('GET', '/v1/instances/%s' % self.instance_a, None, instance_a),
            ('PATCH', '/v1/instances/%s' % self.instance_a,
             {'priority': 5}, update_a),
            ('GET', '/v1/tasks', None, ANY_READER),
            ('GET', '/v1/tasks/%s' % self.failed_task_a, None, task_a),
            ('POST', '/v1/tasks/%s/retry' % self.failed_task_a, None,
             ADMIN_ONLY),
            ('POST', '/v1/tasks/%s/cancel' % self.pending_task_a, None,
             ADMIN_ONLY),
            ('GET', '/v1/events', None, ANY_READER),
            ('GET', '/v1/events/%s' % self.event_a, None, task_a),
            ('POST', '/v1/events/%s/ack' % self.event_a, None, ADMIN_ONLY),
        ]

    @staticmethod
    def _fill(value, persona):
        if isinstance(value, str):
            return value.replace('{p}', persona)
        if isinstance(value, dict):
            return {k: TestPersonaMatrix._fill(v, persona)
                    for k, v in value.items()}
        return value

    @staticmethod
    def _success(method, path):
        if method == 'DELETE':
            return 204
        if method == 'POST' and path.count('/') == 2:
            return 201
        return 200

    def test_matrix(self):
        results = []
        for method, path, body, expected in self.rows():
            # The admin goes last so that a denial is never a side effect
            # of the admin's change (e.g. a deleted object answering 404).
            for persona in sorted(expected, key=lambda p: p == 'admin'):
                want = expected[persona]
                real_path = self._fill(path, persona)
                if want == 'ok':
                    want = self._success(method, real_path)
                status, _, payload = self.call(
                    persona, method, real_path, self._fill(body, persona))
                results.append((method, path, persona, status))
                self.assertEqual(want, status, '%s %s as %s: %s' % (
                    method, real_path, persona, payload))
                if status >= 400:
                    code = {403: 'hastack.forbidden'}.get(status)
                    self.assertErrorDocument(status, payload, want, code)
        self.assertEqual(sum(len(r[3]) for r in self.rows()), len(results))

    def test_keystone_personas_and_catalog(self):
        for persona, (project, role) in ks_fixture.PERSONAS.items():
            session = self.keystone.session(persona)
            access = session.auth.get_access(session)
            self.assertEqual(project, access.project_name, persona)
            self.assertIn(role, access.role_names, persona)
            if persona != 'admin':
                self.assertNotIn('admin', access.role_names, persona)
            self.assertEqual(
                self.api.url,
                access.service_catalog.url_for(
                    service_type='high-availability', interface='public',
                    region_name=ks_fixture.REGION))
        # Keystone's implied roles: a member is also a reader.
        session = self.keystone.session('member-a')
        self.assertIn('reader', session.auth.get_access(session).role_names)

    def test_no_token_or_a_bad_token_is_401(self):
        for token in (None, 'not-a-token'):
            status, headers, payload = self.call(None, 'GET', '/v1/hosts',
                                                 token=token)
            self.assertErrorDocument(status, payload, 401)
            self.assertIn('Keystone uri=', headers.get('WWW-Authenticate',
                                                       ''))

    def test_version_discovery_needs_no_token(self):
        status, _, payload = self.call(None, 'GET', '/')
        self.assertEqual(200, status, payload)
        self.assertEqual('CURRENT', payload['versions'][0]['status'])

    def test_the_service_user_token_is_validated(self):
        # HaStack's own service user acts with the service persona: it
        # registers and updates hosts but is no admin.
        status, _, host = self.call('hastack', 'POST', '/v1/hosts',
                                    {'name': 'agent-registered'})
        self.assertEqual(201, status, host)
        status, _, payload = self.call('hastack', 'DELETE',
                                       '/v1/hosts/agent-registered')
        self.assertErrorDocument(status, payload, 403, 'hastack.forbidden')

    def _items(self, persona, path, key):
        status, _, payload = self.call(persona, 'GET', path)
        self.assertEqual(200, status, payload)
        return payload[key]

    def assertOnlyProject(self, persona, path, key, project, expected):
        """``persona`` lists ``expected`` and nothing of another
        project."""
        items = self._items(persona, path, key)
        self.assertEqual({project}, {i['project_id'] for i in items},
                         items)
        self.assertLessEqual(expected, {i['uuid'] for i in items})
        return {i['uuid'] for i in items}

    def test_instances_are_isolated_by_project(self):
        self.assertOnlyProject('reader-a', '/v1/instances', 'instances',
                               self.project_a, {self.instance_a})
        self.assertOnlyProject('member-b', '/v1/instances', 'instances',
                               self.project_b, {self.instance_b})
        seen = {i['uuid'] for i in self._items('admin', '/v1/instances',
                                               'instances')}
        self.assertLessEqual({self.instance_a, self.instance_b}, seen)
        # Asking for the other project's instances shows nothing.
        self.assertEqual([], self._items(
            'member-a', '/v1/instances?project_id=%s' % self.project_b,
            'instances'))
        for method, body in (('GET', None), ('PATCH', {'priority': 9})):
            status, _, payload = self.call(
                'member-a', method, '/v1/instances/%s' % self.instance_b,
                body)
            self.assertErrorDocument(status, payload, 404)

    def test_tasks_are_isolated_by_project(self):
        self.assertOnlyProject('reader-a', '/v1/tasks', 'tasks',
                               self.project_a,
                               {self.failed_task_a, self.pending_task_a})
        self.assertOnlyProject('reader-b', '/v1/tasks', 'tasks',
                               self.project_b, {self.task_b})
        seen = {i['uuid'] for i in self._items('admin', '/v1/tasks',
                                               'tasks')}
        self.assertLessEqual(
            {self.failed_task_a, self.task_b, self.host_task}, seen)
        for task in (self.task_b, self.host_task):
            status, _, payload = self.call('member-a', 'GET',
                                           '/v1/tasks/%s' % task)
            self.assertErrorDocument(status, payload, 404)

    def test_events_are_isolated_by_project(self):
        self.assertOnlyProject('member-a', '/v1/events', 'events',
                               self.project_a, {self.event_a})
        self.assertOnlyProject('reader-b', '/v1/events', 'events',
                               self.project_b, {self.event_b})
        seen = {i['uuid'] for i in self._items('admin', '/v1/events',
                                               'events')}
        self.assertLessEqual({self.event_a, self.event_b, self.host_event},
                             seen)
        for event in (self.event_b, self.host_event):
            status, _, payload = self.call('reader-a', 'GET',
                                           '/v1/events/%s' % event)
            self.assertErrorDocument(status, payload, 404)
