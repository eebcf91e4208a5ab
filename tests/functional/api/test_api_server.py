"""hastack-api as a real process, on SQLite, MariaDB and PostgreSQL.

What a new operator does: sync the database with ``hastack-manage``, check
it with ``hastack-status``, start ``hastack-api`` (noauth) and drive it over
HTTP as admins, members and readers of two projects.
"""

import datetime

from oslo_utils import uuidutils
import sqlalchemy as sa
import testscenarios
import testtools

from hastack.db import models
from tests.functional import fixtures as func_fixtures

PROJECT_A = 'aaaa0000aaaa0000aaaa0000aaaa0000'
PROJECT_B = 'bbbb1111bbbb1111bbbb1111bbbb1111'


def persona(role, project=PROJECT_A):
    return {'X-Roles': role, 'X-Project-Id': project,
            'X-User-Id': '%s-%s' % (role, project[:4])}


ADMIN = persona('admin')
MEMBER_A = persona('member')
READER_A = persona('reader')
MEMBER_B = persona('member', PROJECT_B)

DESIGN_TABLE = {
    ('down', 'down', 'down'): 'recover',
    ('down', 'down', 'up'): 'recover',
    ('down', 'up', 'down'): 'recover',
    ('down', 'up', 'up'): 'no_recover',
    ('up', 'down', 'down'): 'recover',
    ('up', 'down', 'up'): 'no_recover',
    ('up', 'up', 'down'): 'recover',
    ('up', 'up', 'up'): 'none',
}


class TestApiServer(testscenarios.WithScenarios, testtools.TestCase):

    scenarios = [(b, {'backend': b}) for b in func_fixtures.BACKENDS]

    def setUp(self):
        super().setUp()
        db = self.useFixture(func_fixtures.Database(self.backend))
        self.engine = sa.create_engine(db.url)
        self.addCleanup(self.engine.dispose)
        folder = self.useFixture(func_fixtures.fixtures.TempDir()).path
        port = func_fixtures.free_port()
        self.config_file = '%s/hastack.conf' % folder
        with open(self.config_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[database]\nconnection = %s\n'
                    '[api]\nauth_strategy = noauth\nport = %d\n'
                    % (folder, db.url, port))
        self.port = port

    def manage(self, *args):
        return func_fixtures.run_command(
            'hastack-manage', '--config-file', self.config_file, *args)

    def status_check(self):
        return func_fixtures.run_command(
            'hastack-status', '--config-file', self.config_file,
            'upgrade', 'check')

    def call(self, method, path, headers=ADMIN, body=None, expect=None):
        status, headers_out, payload = self.api.request(method, path,
                                                        headers, body)
        if expect is not None:
            self.assertEqual(expect, status, payload)
        return status, payload

    def assertErrorDocument(self, status, payload, expected):
        self.assertEqual(expected, status, payload)
        error = payload['errors'][0]
        self.assertEqual(expected, error['status'])
        self.assertTrue(error['request_id'].startswith('req-'))
        self.assertTrue(error['code'].startswith('hastack.'))

    def set_planes(self, host, vector, state='suspect', age=3600):
        since = (datetime.datetime.now(datetime.UTC).replace(tzinfo=None) -
                 datetime.timedelta(seconds=age))
        with self.engine.begin() as conn:
            conn.execute(sa.update(models.Host.__table__)
                         .where(models.Host.__table__.c.name == host)
                         .values(mgmt_status=vector[0],
                                 service_status=vector[1],
                                 storage_status=vector[2],
                                 state=state, state_since=since))

    def decision(self, host):
        _, doc = self.call('GET', '/v1/hosts/%s/decision' % host,
                           expect=200)
        return doc

    def add_instance(self, project, ha=False):
        uuid = uuidutils.generate_uuid()
        with self.engine.begin() as conn:
            conn.execute(sa.insert(models.Instance.__table__).values(
                uuid=uuid, project_id=project, host='compute-1',
                status='ACTIVE', ha_enabled=ha, priority=0))
        return uuid

    def test_operator_walkthrough(self):
        # A database that was never synced fails the upgrade check.
        self.assertNotEqual(0, self.status_check().returncode)
        result = self.manage('db', 'sync')
        self.assertEqual(0, result.returncode, result.stderr)
        result = self.manage('db', 'version')
        self.assertEqual(0, result.returncode, result.stderr)
        self.assertTrue(result.stdout.strip())
        result = self.status_check()
        self.assertEqual(0, result.returncode, result.stdout + result.stderr)

        self.api = self.useFixture(
            func_fixtures.ApiServer(self.config_file, self.port))
        self._hosts_and_decisions()
        self._maintenance()
        self._strategies()
        self._settings()
        self._instances()
        self._bad_input()

    def _hosts_and_decisions(self):
        _, host = self.call('POST', '/v1/hosts', body={'name': 'compute-1'},
                            expect=201)
        self.assertEqual('active', host['state'])
        for who in (MEMBER_A, READER_A):
            status, payload = self.call('GET', '/v1/hosts', headers=who)
            self.assertErrorDocument(status, payload, 403)
        for vector, action in DESIGN_TABLE.items():
            self.set_planes('compute-1', vector)
            doc = self.decision('compute-1')
            self.assertEqual(action, doc['action'], (vector, doc['reason']))

    def _maintenance(self):
        self.set_planes('compute-1', ('down', 'down', 'down'))
        _, doc = self.call('PUT', '/v1/maintenance', expect=200,
                           body={'ha_maintenance': True,
                                 'reason': 'network work'})
        self.assertEqual('admin-aaaa', doc['updated_by'])
        self.assertEqual('blocked', self.decision('compute-1')['action'])
        _, events = self.call('GET', '/v1/events?type=ha_maintenance.on',
                              expect=200)
        self.assertEqual(1, len(events['events']))
        status, payload = self.call('PUT', '/v1/maintenance',
                                    headers=MEMBER_A,
                                    body={'ha_maintenance': False})
        self.assertErrorDocument(status, payload, 403)
        self.call('PUT', '/v1/maintenance', expect=200,
                  body={'ha_maintenance': False})
        self.assertEqual('recover', self.decision('compute-1')['action'])

    def _strategies(self):
        never = [{'mgmt': m, 'service': s, 'storage': st, 'recover': False}
                 for m in ('up', 'down') for s in ('up', 'down')
                 for st in ('up', 'down')]
        self.call('POST', '/v1/strategies', expect=201,
                  body={'name': 'never', 'rules': never})
        self.call('POST', '/v1/strategies/never/activate', expect=200)
        self.assertEqual('no_recover', self.decision('compute-1')['action'])
        status, payload = self.call('DELETE', '/v1/strategies/never')
        self.assertErrorDocument(status, payload, 409)
        self.call('POST', '/v1/strategies/default/activate', expect=200)
        self.call('DELETE', '/v1/strategies/never', expect=204)
        self.assertEqual('recover', self.decision('compute-1')['action'])

    def _settings(self):
        self.set_planes('compute-1', ('down', 'down', 'down'), age=60)
        self.assertEqual('wait', self.decision('compute-1')['action'])
        _, doc = self.call('PATCH', '/v1/settings', expect=200,
                           body={'grace_period': 30,
                                 'global_rate_limit': 100})
        self.assertEqual('runtime',
                         doc['settings']['grace_period']['source'])
        # Taken into account at once, without a restart.
        self.assertEqual('recover', self.decision('compute-1')['action'])
        status, payload = self.call('PATCH', '/v1/settings',
                                    body={'global_rate_limit': 0})
        self.assertErrorDocument(status, payload, 400)
        _, doc = self.call('GET', '/v1/settings', expect=200)
        self.assertEqual(100, doc['settings']['global_rate_limit']['value'])

    def _instances(self):
        mine = self.add_instance(PROJECT_A)
        theirs = self.add_instance(PROJECT_B, ha=True)
        _, doc = self.call('GET', '/v1/instances', headers=MEMBER_A,
                           expect=200)
        self.assertEqual([mine], [i['uuid'] for i in doc['instances']])
        status, payload = self.call('GET', '/v1/instances/%s' % theirs,
                                    headers=MEMBER_A)
        self.assertErrorDocument(status, payload, 404)
        _, doc = self.call('PATCH', '/v1/instances/%s' % mine,
                           headers=MEMBER_A, expect=200,
                           body={'ha_enabled': True, 'priority': 10})
        self.assertTrue(doc['ha_enabled'])
        status, payload = self.call('PATCH', '/v1/instances/%s' % mine,
                                    headers=READER_A,
                                    body={'ha_enabled': False})
        self.assertErrorDocument(status, payload, 403)
        _, doc = self.call('GET', '/v1/instances', expect=200)
        self.assertEqual(2, len(doc['instances']))
        _, doc = self.call('GET', '/v1/instances', headers=MEMBER_B,
                           expect=200)
        self.assertEqual([theirs], [i['uuid'] for i in doc['instances']])

    def _bad_input(self):
        _, before = self.call('GET', '/v1/hosts', expect=200)
        for body in ('{not json', {'name': 'x', 'colour': 'red'},
                     {'name': 42}, {}):
            status, payload = self.call('POST', '/v1/hosts', body=body)
            self.assertErrorDocument(status, payload, 400)
        status, payload = self.call('GET', '/v1/hosts/no-such-host')
        self.assertErrorDocument(status, payload, 404)
        _, after = self.call('GET', '/v1/hosts', expect=200)
        self.assertEqual(before, after)
