"""HaStack's API behind real Keystone tokens, shared by a test class.

``HastackDeployment`` is Keystone (``fixture.KeystoneServer``), a synced
SQLite database, and ``hastack-api`` as a process on loopback with
keystonemiddleware ``auth_token`` validating tokens against that Keystone
as the ``hastack`` service user; HaStack is in the catalog as the
``high-availability`` service. Building it takes ~20 s, so each test
class builds one (``setUpClass``) and its tests share it.
"""

import datetime
import os

import fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from hastack.db import models
from tests.functional import fixtures as func_fixtures
from tests.functional.keystone import fixture as ks_fixture

SERVICE_TYPE = 'high-availability'


class HastackDeployment(fixtures.Fixture):
    """Keystone, a database and hastack-api using them.

    :ivar keystone: the :class:`fixture.KeystoneServer`.
    :ivar api: the :class:`tests.functional.fixtures.ApiServer`.
    :ivar engine: SQLAlchemy engine of HaStack's database (for seeding
        rows the conductor would write).
    :ivar config_file: hastack.conf of the API.
    """

    def _setUp(self):
        self.keystone = self.useFixture(ks_fixture.KeystoneServer())
        folder = self.useFixture(fixtures.TempDir()).path
        self.db_url = 'sqlite:///%s/hastack.sqlite' % folder
        port = func_fixtures.free_port()
        self.config_file = os.path.join(folder, 'hastack.conf')
        with open(self.config_file, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[database]\nconnection = %s\n'
                    '[api]\nauth_strategy = keystone\nport = %d\n'
                    % (folder, self.db_url, port))
            f.write(self.keystone.authtoken_config('hastack'))
        result = func_fixtures.run_command(
            'hastack-manage', '--config-file', self.config_file, 'db',
            'sync')
        if result.returncode != 0:
            raise AssertionError('hastack-manage db sync failed: %s'
                                 % result.stderr)
        self.api = self.useFixture(
            func_fixtures.ApiServer(self.config_file, port))
        self.keystone.register_service(SERVICE_TYPE, 'hastack',
                                       self.api.url)
        self.engine = sa.create_engine(self.db_url)
        self.addCleanup(self.engine.dispose)

    # -- rows the conductor would write --------------------------------------

    def add_instance(self, project_id, host='compute-1', ha=True):
        """An instance row of ``project_id``; returns its uuid."""
        uuid = uuidutils.generate_uuid()
        with self.engine.begin() as conn:
            conn.execute(sa.insert(models.Instance.__table__).values(
                uuid=uuid, name='vm-%s' % uuid[:8], project_id=project_id,
                host=host, status='ACTIVE', ha_enabled=ha, priority=0))
        return uuid

    def add_task(self, project_id, state, instance_uuid=None,
                 host='compute-1', task_type='evacuate'):
        """A task row (``project_id`` None for a host task); returns its
        uuid."""
        uuid = uuidutils.generate_uuid()
        now = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(models.Task.__table__).values(
                uuid=uuid, type=task_type, state=state, host=host,
                instance_uuid=instance_uuid, project_id=project_id,
                dedup_key='test:%s' % uuid, priority=0,
                attempts=3 if state == 'failed' else 0, max_attempts=3,
                last_error='No valid host' if state == 'failed' else None,
                finished_at=now if state == 'failed' else None))
        return uuid

    def add_event(self, project_id, message, instance_uuid=None,
                  severity='warning', event_type='instance.evacuate'):
        """An event row (``project_id`` None for a host event); returns
        its uuid."""
        uuid = uuidutils.generate_uuid()
        with self.engine.begin() as conn:
            conn.execute(sa.insert(models.Event.__table__).values(
                uuid=uuid, severity=severity, type=event_type,
                host='compute-1', instance_uuid=instance_uuid,
                project_id=project_id, message=message,
                acknowledged=False))
        return uuid


class DeploymentTestCase(testtools.TestCase):
    """A test class sharing one :class:`HastackDeployment`."""

    deployment = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        deployment = HastackDeployment()
        deployment.setUp()
        cls.deployment = deployment

    @classmethod
    def tearDownClass(cls):
        if cls.deployment is not None:
            cls.deployment.cleanUp()
            cls.deployment = None
        super().tearDownClass()

    @property
    def keystone(self):
        """The deployment's Keystone."""
        return self.deployment.keystone

    @property
    def api(self):
        """The deployment's hastack-api."""
        return self.deployment.api

    def call(self, persona, method, path, body=None, token=None):
        """One request to the API with ``persona``'s real token.

        :param persona: a persona of :data:`fixture.PERSONAS`, or None for
            no token at all.
        :param token: send this token instead.
        :returns: (status, headers, decoded body).
        """
        headers = {}
        if token is None and persona is not None:
            token = self.keystone.token(persona)
        if token is not None:
            headers['X-Auth-Token'] = token
        return self.api.request(method, path, headers, body)

    def assertErrorDocument(self, status, payload, expected, code=None):
        """``payload`` is the OpenStack error document for ``expected``."""
        self.assertEqual(expected, status, payload)
        self.assertIsInstance(payload, dict, payload)
        self.assertEqual(1, len(payload['errors']), payload)
        error = payload['errors'][0]
        self.assertEqual(expected, error['status'])
        self.assertTrue(error['title'])
        self.assertTrue(error['detail'])
        self.assertTrue(error['request_id'].startswith('req-'), error)
        if code is not None:
            self.assertEqual(code, error['code'])
        else:
            self.assertTrue(error['code'].startswith('hastack.'), error)
        return error
