"""``KeystoneServer``: a real Keystone on loopback, in a venv of its own.

Use it from HaStack's tests (HaStack's venv: no keystone import here)::

    keystone = self.useFixture(KeystoneServer())
    keystone.register_service('high-availability', 'hastack', api_url)
    session = keystone.session('member-a')      # keystoneauth, real token
    env = keystone.openstack_env('reader-a')    # for `openstack` processes

Keystone is PyPI's ``keystone`` (the release ``tools/setup-keystone-venv.sh``
pins) on a SQLite file, with Fernet tokens, served by gunicorn on a
loopback port; nothing about it is faked. ``keystone-manage db_sync`` and
``bootstrap`` make the admin, the roles (admin, manager, member, reader,
service) and the identity endpoint; the fixture then adds, through
Keystone's API:

``service`` project
    with the user ``hastack`` (role ``service``): the account HaStack's
    API validates tokens with (keystonemiddleware ``auth_token``).
``project-a`` and ``project-b``
    each with a ``member-<x>`` user (role ``member``) and a ``reader-<x>``
    user (role ``reader``).
``admin``
    the bootstrap admin, admin of project ``admin``.

Every persona's password is :data:`PASSWORD`.
"""

import base64
import ctypes
import http.client
import os
import signal
import subprocess
import time

import fixtures
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3

from tests.functional import fixtures as func_fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
SETUP_SCRIPT = os.path.join(TOP, 'tools', 'setup-keystone-venv.sh')
PASSWORD = 'hastack-test-secret'
REGION = 'RegionOne'
DOMAIN = 'Default'

# persona -> (project, role). "admin" is keystone-manage bootstrap's.
PERSONAS = {
    'admin': ('admin', 'admin'),
    'hastack': ('service', 'service'),
    'member-a': ('project-a', 'member'),
    'reader-a': ('project-a', 'reader'),
    'member-b': ('project-b', 'member'),
    'reader-b': ('project-b', 'reader'),
}
# Variables that must not reach Keystone's processes: HaStack's venv and
# its test runner's settings.
_DROP_ENV = ('VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME')
_PR_SET_PDEATHSIG = 1


class KeystoneServerError(AssertionError):
    """Keystone could not be set up, started or driven."""


def keystone_venv_path():
    """Where the Keystone venv is (it may not exist yet)."""
    return os.environ.get('HASTACK_KEYSTONE_VENV') or os.path.join(
        TOP, '.venv-keystone')


def ensure_keystone_venv(venv=None, timeout=900):
    """Make the Keystone venv if needed; return its bin directory."""
    venv = os.path.abspath(venv or keystone_venv_path())
    try:
        proc = subprocess.run(['bash', SETUP_SCRIPT, venv],
                              capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise KeystoneServerError(
            'tools/setup-keystone-venv.sh %s did not finish in %d s: %s'
            % (venv, timeout, e.stderr))
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines or not os.access(lines[-1],
                                                           os.X_OK):
        raise KeystoneServerError(
            'Could not set up the Keystone venv %s with '
            'tools/setup-keystone-venv.sh (it needs python3-venv and PyPI): '
            'exit %s\n%s\n%s' % (venv, proc.returncode, proc.stdout[-2000:],
                                 proc.stderr[-4000:]))
    return os.path.dirname(lines[-1])


def _die_with_parent():
    # NOTE(hastack): gunicorn must not outlive a test process that is
    # killed before its cleanups run; its workers exit with their master.
    libc = ctypes.CDLL('libc.so.6', use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _fernet_key():
    # The format keystone-manage fernet_setup writes: a urlsafe base64
    # 32-byte key (cryptography's Fernet.generate_key()).
    return base64.urlsafe_b64encode(os.urandom(32))


class KeystoneServer(fixtures.Fixture):
    """Keystone (PyPI, SQLite, Fernet, gunicorn) on 127.0.0.1.

    :param venv: the Keystone venv; default ``$HASTACK_KEYSTONE_VENV`` or
        ``<repo>/.venv-keystone``.
    :param ready_timeout: seconds to wait for Keystone to serve.

    :ivar url: ``http://127.0.0.1:<port>``.
    :ivar auth_url: the identity v3 URL, for keystoneauth and
        ``OS_AUTH_URL``.
    :ivar project_ids: ``{project name: id}``.
    :ivar user_ids: ``{persona: user id}``.
    :ivar log_path: gunicorn's and Keystone's log.
    :ivar pid: gunicorn's master process id.
    """

    STOP_TIMEOUT = 10

    def __init__(self, venv=None, ready_timeout=90):
        super().__init__()
        self.venv = venv
        self.ready_timeout = ready_timeout

    def _setUp(self):
        self.bin = ensure_keystone_venv(self.venv)
        self.folder = self.useFixture(fixtures.TempDir()).path
        self.port = func_fixtures.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.auth_url = self.url + '/v3'
        self.log_path = os.path.join(self.folder, 'keystone.log')
        self.config_file = self._write_config()
        self._manage('db_sync')
        self._manage('bootstrap', '--bootstrap-password', PASSWORD,
                     '--bootstrap-username', 'admin',
                     '--bootstrap-project-name', 'admin',
                     '--bootstrap-role-name', 'admin',
                     '--bootstrap-service-name', 'keystone',
                     '--bootstrap-region-id', REGION,
                     '--bootstrap-public-url', self.auth_url + '/',
                     '--bootstrap-internal-url', self.auth_url + '/',
                     '--bootstrap-admin-url', self.auth_url + '/')
        self._start()
        self._sessions = {}
        self._populate()

    # -- setup --------------------------------------------------------------

    def _env(self):
        env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
        env['OS_KEYSTONE_CONFIG_FILES'] = self.config_file
        env['PYTHONWARNINGS'] = 'ignore'
        return env

    def _write_config(self):
        repos = {}
        for name in ('fernet-keys', 'receipt-keys', 'credential-keys'):
            repo = os.path.join(self.folder, name)
            os.mkdir(repo, 0o700)
            # What "keystone-manage fernet_setup" makes: a primary key (1)
            # and a staged one (0). Written here, it saves two runs of
            # keystone-manage (~5 s).
            for index in ('0', '1'):
                path = os.path.join(repo, index)
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
                with os.fdopen(fd, 'wb') as f:
                    f.write(_fernet_key())
            repos[name] = repo
        path = os.path.join(self.folder, 'keystone.conf')
        with open(path, 'w') as f:
            f.write(
                '[DEFAULT]\n'
                'debug = false\n'
                '[database]\n'
                'connection = sqlite:///%(folder)s/keystone.sqlite\n'
                '[token]\n'
                'provider = fernet\n'
                '[fernet_tokens]\n'
                'key_repository = %(fernet)s\n'
                '[fernet_receipts]\n'
                'key_repository = %(receipts)s\n'
                '[credential]\n'
                'key_repository = %(credentials)s\n'
                '[identity]\n'
                '# The least bcrypt allows: users are made in milliseconds.\n'
                'password_hash_rounds = 4\n'
                % {'folder': self.folder, 'fernet': repos['fernet-keys'],
                   'receipts': repos['receipt-keys'],
                   'credentials': repos['credential-keys']})
        return path

    def _manage(self, *args):
        proc = subprocess.run(
            [os.path.join(self.bin, 'keystone-manage'), '--config-file',
             self.config_file] + list(args),
            capture_output=True, text=True, timeout=300, check=False,
            env=self._env(), cwd=self.folder)
        if proc.returncode != 0:
            raise KeystoneServerError(
                'keystone-manage %s failed (exit %s):\n%s\n%s'
                % (args[0], proc.returncode, proc.stdout[-3000:],
                   proc.stderr[-6000:]))

    def _start(self):
        with open(self.log_path, 'wb') as out:
            self.process = subprocess.Popen(
                [os.path.join(self.bin, 'gunicorn'),
                 # NOTE(hastack): gunicorn 27 opens a control socket under
                 # ~/.gunicorn by default; tests need none.
                 '--no-control-socket',
                 '--bind', '127.0.0.1:%d' % self.port,
                 '--workers', '1', '--threads', '4',
                 '--chdir', self.folder, '--pythonpath', HERE,
                 '--log-level', 'warning',
                 'keystone_wsgi:application'],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=self._env(), cwd=self.folder,
                preexec_fn=_die_with_parent)
        self.pid = self.process.pid
        self.addCleanup(self._stop)
        deadline = time.monotonic() + self.ready_timeout
        while True:
            if self.process.poll() is not None:
                raise KeystoneServerError(
                    'Keystone exited with %s before serving:\n%s'
                    % (self.process.returncode, self.log()[-6000:]))
            try:
                if self._status('/v3') == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise KeystoneServerError(
                    'Keystone did not serve within %d s:\n%s'
                    % (self.ready_timeout, self.log()[-6000:]))
            time.sleep(0.2)

    def _status(self, path):
        conn = http.client.HTTPConnection('127.0.0.1', self.port, timeout=5)
        try:
            conn.request('GET', path)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    def _stop(self):
        # SIGTERM to the master (it stops its workers), SIGKILL after
        # STOP_TIMEOUT s; by pid, while this Popen has not reaped it.
        if self.process.poll() is not None:
            return
        try:
            os.kill(self.pid, signal.SIGTERM)
            self.process.wait(self.STOP_TIMEOUT)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            if self.process.poll() is None:
                os.kill(self.pid, signal.SIGKILL)
            self.process.wait(self.STOP_TIMEOUT)

    def log(self):
        """What gunicorn and Keystone wrote so far."""
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    # -- identities ---------------------------------------------------------

    def _admin_call(self, method, path, body=None):
        resp = self.session('admin').request(
            self.auth_url + path, method, json=body, raise_exc=False)
        if resp.status_code >= 400:
            raise KeystoneServerError('%s %s: %s %s' % (
                method, path, resp.status_code, resp.text[:2000]))
        return resp.json() if resp.content else None

    def _populate(self):
        roles = {r['name']: r['id']
                 for r in self._admin_call('GET', '/roles')['roles']}
        for name in ('admin', 'member', 'reader', 'service'):
            if name not in roles:
                roles[name] = self._admin_call(
                    'POST', '/roles', {'role': {'name': name}})['role']['id']
        self.project_ids = {
            p['name']: p['id']
            for p in self._admin_call('GET', '/projects')['projects']}
        self.user_ids = {
            'admin': self._admin_call('GET', '/users?name=admin')[
                'users'][0]['id']}
        for persona, (project, role) in PERSONAS.items():
            if project not in self.project_ids:
                self.project_ids[project] = self._admin_call(
                    'POST', '/projects', {'project': {
                        'name': project, 'domain_id': 'default'}}
                )['project']['id']
            if persona in self.user_ids:
                continue
            user = self._admin_call('POST', '/users', {'user': {
                'name': persona, 'password': PASSWORD,
                'domain_id': 'default',
                'default_project_id': self.project_ids[project]}})['user']
            self.user_ids[persona] = user['id']
            self._admin_call('PUT', '/projects/%s/users/%s/roles/%s' % (
                self.project_ids[project], user['id'], roles[role]))

    def register_service(self, service_type, name, url,
                         interfaces=('public', 'internal', 'admin')):
        """Add a service and its endpoints to the catalog.

        :param service_type: e.g. ``high-availability``.
        :param name: the service's name (``hastack``).
        :param url: the endpoint URL, for every interface.
        :returns: the service id.
        """
        service = self._admin_call('POST', '/services', {'service': {
            'type': service_type, 'name': name}})['service']
        for interface in interfaces:
            self._admin_call('POST', '/endpoints', {'endpoint': {
                'service_id': service['id'], 'interface': interface,
                'url': url, 'region_id': REGION}})
        # Tokens carry the catalog of when they were issued: sessions made
        # from now on see the new service.
        self._sessions.clear()
        return service['id']

    # -- what tests use -----------------------------------------------------

    def credentials(self, persona):
        """keystoneauth ``v3.Password`` arguments of a persona.

        :param persona: a key of :data:`PERSONAS`.
        """
        project = PERSONAS[persona][0]
        return {'auth_url': self.auth_url, 'username': persona,
                'password': PASSWORD, 'project_name': project,
                'user_domain_name': DOMAIN, 'project_domain_name': DOMAIN}

    def session(self, persona):
        """A keystoneauth session authenticated as ``persona`` (cached)."""
        if persona not in self._sessions:
            auth = v3.Password(**self.credentials(persona))
            self._sessions[persona] = ks_session.Session(auth=auth)
        return self._sessions[persona]

    def token(self, persona):
        """A project-scoped token of ``persona``, from Keystone."""
        return self.session(persona).get_token()

    def project_id(self, persona_or_project):
        """The project id of a project name, or of a persona's project."""
        name = PERSONAS.get(persona_or_project, (persona_or_project,))[0]
        return self.project_ids[name]

    def openstack_env(self, persona, base=None):
        """Environment for an ``openstack`` process acting as ``persona``.

        Every ``OS_*`` variable of ``base`` (default: this process's
        environment) is dropped first, so only these credentials count.
        """
        base = os.environ if base is None else base
        env = {k: v for k, v in base.items() if not k.startswith('OS_')}
        creds = self.credentials(persona)
        env.update({
            'OS_AUTH_TYPE': 'password',
            'OS_AUTH_URL': creds['auth_url'],
            'OS_USERNAME': creds['username'],
            'OS_PASSWORD': creds['password'],
            'OS_PROJECT_NAME': creds['project_name'],
            'OS_USER_DOMAIN_NAME': DOMAIN,
            'OS_PROJECT_DOMAIN_NAME': DOMAIN,
            'OS_IDENTITY_API_VERSION': '3',
            'OS_REGION_NAME': REGION,
            'OS_INTERFACE': 'public',
        })
        return env

    def authtoken_config(self, persona='hastack'):
        """A ``[keystone_authtoken]`` section validating with this
        Keystone as ``persona`` (HaStack's service user)."""
        creds = self.credentials(persona)
        return ('[keystone_authtoken]\n'
                'www_authenticate_uri = %(auth_url)s\n'
                'auth_url = %(auth_url)s\n'
                'auth_type = password\n'
                'username = %(username)s\n'
                'password = %(password)s\n'
                'project_name = %(project_name)s\n'
                'user_domain_name = %(user_domain_name)s\n'
                'project_domain_name = %(project_domain_name)s\n'
                'region_name = %(region)s\n'
                'interface = public\n'
                'service_token_roles_required = true\n'
                % dict(creds, region=REGION))
