"""The instance HA flag follows Nova's ``HA_Enabled`` server metadata.

Against a real Nova control plane (tests/functional/nova) and a real
hastack-api process: a project member switches HA on for its server
through HaStack, and Nova's metadata says so.
"""

from keystoneauth1 import loading
from keystoneauth1 import session
from novaclient import client as nova_client
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

from hastack.db import migration
from hastack.db import models
from tests.functional import fixtures as func_fixtures
from tests.functional.nova import fixture as nova_fixture


def _nova(server, credentials):
    auth = loading.get_plugin_loader('v3password').load_from_options(
        auth_url=server.auth_url, **credentials)
    return nova_client.Client('2.94', session=session.Session(auth=auth))


class TestHaFlagFollowsNova(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.nova = self.useFixture(nova_fixture.NovaServer())
        self.nova.start_compute('compute-1')
        member = _nova(self.nova, self.nova.credentials('alice', 'demo'))
        defaults = self.nova.defaults
        self.server = member.servers.create(
            'vm-1', defaults['image_id'], defaults['flavor_id'],
            nics=defaults['networks'])
        self.admin = _nova(self.nova, self.nova.admin_credentials)
        self.project = self.admin.servers.get(self.server.id).tenant_id

        db = self.useFixture(func_fixtures.Database('sqlite'))
        self.engine = sa.create_engine(db.url)
        self.addCleanup(self.engine.dispose)
        migration.upgrade(engine=self.engine)
        folder = self.useFixture(func_fixtures.fixtures.TempDir()).path
        self.db_url = db.url
        self.folder = folder

    def start_api(self, auth_url):
        port = func_fixtures.free_port()
        config = '%s/hastack-%d.conf' % (self.folder, port)
        creds = self.nova.admin_credentials
        with open(config, 'w') as f:
            f.write('[DEFAULT]\nstate_path = %s\n'
                    '[database]\nconnection = %s\n'
                    '[api]\nauth_strategy = noauth\nport = %d\n'
                    '[nova]\nauth_type = password\nauth_url = %s\n'
                    'username = %s\npassword = %s\nproject_name = %s\n'
                    'user_domain_name = Default\n'
                    'project_domain_name = Default\n'
                    % (self.folder, self.db_url, port, auth_url,
                       creds['username'], creds['password'],
                       creds['project_name']))
        return self.useFixture(func_fixtures.ApiServer(config, port))

    def add_instance(self, uuid):
        with self.engine.begin() as conn:
            conn.execute(sa.insert(models.Instance.__table__).values(
                uuid=uuid, project_id=self.project, host='compute-1',
                status='ACTIVE', ha_enabled=False, priority=0))

    def ha_flag(self, uuid):
        with self.engine.connect() as conn:
            return conn.execute(sa.select(
                models.Instance.__table__.c.ha_enabled).where(
                    models.Instance.__table__.c.uuid == uuid)).scalar_one()

    def member(self):
        return {'X-Roles': 'member', 'X-Project-Id': self.project,
                'X-User-Id': 'alice'}

    def test_member_switches_ha_and_nova_metadata_follows(self):
        api = self.start_api(self.nova.auth_url)
        self.add_instance(self.server.id)
        for enabled, expected in ((True, 'True'), (False, 'False')):
            status, _, body = api.request(
                'PATCH', '/v1/instances/%s' % self.server.id,
                self.member(), {'ha_enabled': enabled})
            self.assertEqual(200, status, body)
            self.assertIs(enabled, body['ha_enabled'])
            metadata = self.admin.servers.get(self.server.id).metadata
            self.assertEqual(expected, metadata['HA_Enabled'])
            self.assertIs(enabled, self.ha_flag(self.server.id))

    def test_server_unknown_to_nova_changes_nothing(self):
        api = self.start_api(self.nova.auth_url)
        ghost = uuidutils.generate_uuid()
        self.add_instance(ghost)
        status, _, body = api.request('PATCH', '/v1/instances/%s' % ghost,
                                      self.member(), {'ha_enabled': True})
        self.assertEqual(404, status, body)
        self.assertEqual('hastack.instance.not_found',
                         body['errors'][0]['code'])
        self.assertFalse(self.ha_flag(ghost))

    def test_nova_unreachable_is_503_and_changes_nothing(self):
        dead = 'http://127.0.0.1:%d/identity' % func_fixtures.free_port()
        api = self.start_api(dead)
        self.add_instance(self.server.id)
        status, _, body = api.request(
            'PATCH', '/v1/instances/%s' % self.server.id, self.member(),
            {'ha_enabled': True})
        self.assertEqual(503, status, body)
        self.assertEqual('hastack.nova.unavailable',
                         body['errors'][0]['code'])
        self.assertFalse(self.ha_flag(self.server.id))
        self.assertNotIn('HA_Enabled',
                         self.admin.servers.get(self.server.id).metadata)
        # Priority alone never needs Nova.
        status, _, body = api.request(
            'PATCH', '/v1/instances/%s' % self.server.id, self.member(),
            {'priority': 5})
        self.assertEqual(200, status, body)
