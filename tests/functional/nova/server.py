"""A real Nova control plane on a loopback port, for HaStack's tests.

Run it with the python of the Nova venv (``tools/setup-nova-venv.sh``),
never with HaStack's: it imports nova, whose eventlet monkey patching and
global configuration must stay out of HaStack's processes. Nothing in
HaStack's package imports this file; ``fixture.py`` beside it starts it
as a child process::

    <nova-venv>/bin/python -I server.py --port PORT

``--port 0`` picks a free port. When it serves, it prints one line
``HASTACK-NOVA-READY port=<port>`` to stdout; SIGTERM stops it cleanly
(and it stops by itself when its parent process goes away).

What runs in this one process are Nova's own functional-test fixtures
(``nova.tests.functional.integrated_helpers.ProviderUsageBaseTestCase``):
the real nova-api WSGI application, conductor and scheduler services, a
real placement service, cell databases on in-memory SQLite, and
oslo.messaging's in-memory fake transport between them. Glance, Neutron
and Cinder are Nova's fixtures for them (``GlanceFixture`` images,
``NeutronFixture`` ports; boot with ``networks='none'``).

The hypervisor is Nova's fake virt driver (``nova.virt.fake.FakeDriver``):
this is a fake at the hypervisor boundary only, because a real hypervisor
(libvirt + QEMU/KVM under each compute host) cannot run here. Everything
above that boundary, API, database, scheduling, placement claims, RPC
between the services, the compute manager's evacuate and restart code,
is Nova's real code. Each "compute host" is a real ``nova-compute``
``Service`` object with its own manager and fake driver; stopping one
stops its service without deleting its record, which to the rest of Nova
looks like a crashed host (its heartbeat just stops).

HTTP layout on ``http://127.0.0.1:<port>``:

``/compute/...``
    The real nova-api application (``/compute/v2.1`` is the compute
    endpoint in the catalog). A tiny auth shim in front maps any
    ``X-Auth-Token`` to the headers Nova's stubbed auth reads
    (``X-Auth-User``, ``X-Auth-Project-Id``, ``X-Roles``): a token that
    starts with ``admin-`` is an admin (roles reader, member, admin),
    anything else a member (reader, member). Requests without a token get
    401 (except version discovery at ``/compute`` and ``/compute/``).
``/identity``, ``/identity/v3``
    A minimal Keystone v3: version discovery, and ``POST
    /identity/v3/auth/tokens`` with password auth returning a token in
    ``X-Subject-Token`` and a catalog whose ``compute`` endpoint is this
    server. Any password is accepted. The user ``admin`` (or any user
    whose name starts with ``admin-``) gets an ``admin-...`` token. Project
    ids are ``uuid5(NAMESPACE_URL, 'hastack-nova-project:' + name).hex``.
``/control/...`` (JSON, no auth; loopback test control only)
    ``GET /control/health``; ``GET /control/defaults`` (image id, flavor
    id and networks to boot with); ``GET /control/computes``; ``POST
    /control/computes {"host": "c1"}`` starts a compute host; ``POST
    /control/computes/<host>/stop`` stops it like a crash (service
    stopped, record kept, hypervisor state kept); ``POST
    /control/computes/<host>/restart`` starts a new nova-compute for the
    host on the same fake hypervisor (what a host coming back does: it
    cleans up guests that were evacuated away).
"""

# Importing nova's functional helpers first applies eventlet monkey
# patching (nova/tests/__init__.py) before anything else loads threading,
# socket or socketserver.
from nova.tests.functional import integrated_helpers  # isort: skip

# isort: split
import argparse
import datetime
import json
import logging
import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
from unittest import mock
import uuid
from wsgiref import simple_server

from nova import exception as nova_exception
from nova.tests.fixtures import glance as glance_fixture
from nova.virt import fake
import testtools

LOG = logging.getLogger('hastack.nova_server')

READY_LINE = 'HASTACK-NOVA-READY port=%d'
DOMAIN = {'id': 'default', 'name': 'Default'}
REGION = 'RegionOne'
ADMIN_ROLES = ['reader', 'member', 'admin']
MEMBER_ROLES = ['reader', 'member']
# Headers the auth shim owns: never taken from the client.
AUTH_HEADERS = ('HTTP_X_AUTH_USER', 'HTTP_X_AUTH_PROJECT_ID', 'HTTP_X_ROLES',
                'HTTP_X_USER_ID', 'HTTP_X_USER_NAME', 'HTTP_X_USER',
                'HTTP_X_PROJECT_ID', 'HTTP_X_PROJECT_NAME',
                'HTTP_X_TENANT_ID', 'HTTP_X_TENANT_NAME', 'HTTP_X_TENANT',
                'HTTP_X_SERVICE_CATALOG', 'HTTP_X_IDENTITY_STATUS',
                'HTTP_X_USER_DOMAIN_ID', 'HTTP_X_PROJECT_DOMAIN_ID',
                'HTTP_X_SERVICE_TOKEN')
# Environment a parent test runner may pass on that would change how
# nova's TestCase behaves (timeouts, output capture).
TEST_RUNNER_VARIABLES = ('OS_TEST_TIMEOUT', 'OS_STDOUT_CAPTURE',
                         'OS_STDERR_CAPTURE', 'OS_LOG_CAPTURE')

# Set from the signal handler: a plain flag, no lock that the interrupted
# code might hold.
_stop_requested = []


def project_id(name):
    return uuid.uuid5(uuid.NAMESPACE_URL,
                      'hastack-nova-project:%s' % name).hex


def _is_admin_user(name):
    return name == 'admin' or name.startswith('admin-')


class HttpError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


STATUS_TEXT = {200: '200 OK', 201: '201 Created', 204: '204 No Content',
               300: '300 Multiple Choices', 400: '400 Bad Request',
               401: '401 Unauthorized', 404: '404 Not Found',
               405: '405 Method Not Allowed', 409: '409 Conflict',
               500: '500 Internal Server Error'}


def _json_response(start_response, status, body, headers=()):
    data = json.dumps(body).encode('utf-8')
    start_response(STATUS_TEXT[status],
                   [('Content-Type', 'application/json'),
                    ('Content-Length', str(len(data)))] + list(headers))
    return [data]


def _read_json(environ):
    try:
        length = int(environ.get('CONTENT_LENGTH') or 0)
    except ValueError:
        length = 0
    raw = environ['wsgi.input'].read(length) if length else b''
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        raise HttpError(400, 'body is not JSON')


class Identity:
    """Just enough of Keystone v3 for keystoneauth's password plugins."""

    def __init__(self):
        self.tokens = {}
        self._lock = threading.Lock()

    @staticmethod
    def base_url(environ):
        return 'http://%s' % environ['HTTP_HOST']

    def version(self, environ):
        base = self.base_url(environ)
        return {
            'id': 'v3.14', 'status': 'stable',
            'updated': '2020-04-07T00:00:00Z',
            'links': [{'rel': 'self', 'href': base + '/identity/v3/'}],
            'media-types': [{
                'base': 'application/json',
                'type': 'application/vnd.openstack.identity-v3+json'}],
        }

    def __call__(self, environ, start_response, path):
        method = environ['REQUEST_METHOD']
        if path in ('', '/') and method == 'GET':
            return _json_response(
                start_response, 300,
                {'versions': {'values': [self.version(environ)]}})
        if path in ('/v3', '/v3/') and method == 'GET':
            return _json_response(start_response, 200,
                                  {'version': self.version(environ)})
        if path == '/v3/auth/tokens' and method == 'POST':
            return self.issue(environ, start_response)
        raise HttpError(404, 'no such identity resource: %s' % path)

    def issue(self, environ, start_response):
        auth = _read_json(environ).get('auth') or {}
        identity = auth.get('identity') or {}
        if 'password' not in (identity.get('methods') or []):
            raise HttpError(401, 'only password authentication is offered')
        user = (identity.get('password') or {}).get('user') or {}
        name = user.get('name') or user.get('id')
        if not name or not user.get('password'):
            raise HttpError(401, 'user name and password are required')
        admin = _is_admin_user(name)
        project = ((auth.get('scope') or {}).get('project')) or None
        token = '%s-%s' % ('admin' if admin else 'member', uuid.uuid4().hex)
        now = datetime.datetime.now(datetime.UTC)
        roles = ADMIN_ROLES if admin else MEMBER_ROLES
        body = {
            'methods': ['password'],
            'user': {'id': name, 'name': name, 'domain': DOMAIN,
                     'password_expires_at': None},
            'issued_at': now.strftime('%Y-%m-%dT%H:%M:%S.000000Z'),
            'expires_at': (now + datetime.timedelta(days=1)).strftime(
                '%Y-%m-%dT%H:%M:%S.000000Z'),
            'audit_ids': [uuid.uuid4().hex[:22]],
        }
        info = {'user': name, 'project_id': None, 'roles': roles}
        if project:
            pname = project.get('name') or project.get('id')
            pid = project.get('id') or project_id(pname)
            info['project_id'] = pid
            body['project'] = {'id': pid, 'name': pname, 'domain': DOMAIN}
            body['roles'] = [{'id': r, 'name': r} for r in roles]
            body['catalog'] = self.catalog(environ)
            body['is_domain'] = False
        with self._lock:
            self.tokens[token] = info
        return _json_response(start_response, 201, {'token': body},
                              [('X-Subject-Token', token)])

    def catalog(self, environ):
        base = self.base_url(environ)
        services = [('compute', 'nova', base + '/compute/v2.1'),
                    ('identity', 'keystone', base + '/identity')]
        return [{
            'type': kind, 'name': name, 'id': uuid.uuid5(
                uuid.NAMESPACE_URL, name).hex,
            'endpoints': [{
                'id': uuid.uuid5(uuid.NAMESPACE_URL,
                                 name + interface).hex,
                'interface': interface, 'region': REGION,
                'region_id': REGION, 'url': url}
                for interface in ('public', 'internal', 'admin')],
        } for kind, name, url in services]

    def identify(self, token):
        """Who a token stands for: (user, project id, roles)."""
        with self._lock:
            info = self.tokens.get(token)
        if info and info['project_id']:
            return info['user'], info['project_id'], info['roles']
        # Any other token is accepted too, like the fixture's stub auth.
        if token.startswith('admin-'):
            return 'admin', project_id('admin'), ADMIN_ROLES
        user = token.split('-', 1)[0] or 'member'
        return user, project_id('demo'), MEMBER_ROLES


class InstanceHookDriver(fake.FakeDriver):
    """Nova's fake virt driver (the hypervisor boundary, which cannot run
    here) whose guests are also processes on a HaStack test host.

    spawn, power_on and reboot run ``<hook> start <host> <uuid>`` first and
    fail when it fails (the harness's instance could not take its Fitlock
    lease: another live host holds it); destroy and power_off run
    ``<hook> stop <host> <uuid>``. The hook is the argv prefix given with
    ``--instance-hook`` (tests/cluster/instance_hook.py).
    """

    hook = None

    def _hook(self, action, instance):
        result = subprocess.run(
            self.hook + [action, self._host, instance.uuid],
            capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise nova_exception.NovaException(
                'instance hook %s %s on %s failed: %s' % (
                    action, instance.uuid, self._host,
                    (result.stderr or result.stdout).strip()[-500:]))

    def spawn(self, context, instance, *args, **kwargs):
        """Start the instance process, then record the guest."""
        if kwargs.get('power_on', True):
            self._hook('start', instance)
        super().spawn(context, instance, *args, **kwargs)

    def destroy(self, context, instance, *args, **kwargs):
        """Stop the instance process (if any), then forget the guest."""
        self._hook('stop', instance)
        super().destroy(context, instance, *args, **kwargs)

    def power_off(self, instance, *args, **kwargs):
        """Stop the instance process."""
        self._hook('stop', instance)
        super().power_off(instance, *args, **kwargs)

    def power_on(self, context, instance, *args, **kwargs):
        """Start the instance process again."""
        self._hook('start', instance)
        super().power_on(context, instance, *args, **kwargs)


class NovaControlPlane(integrated_helpers.ProviderUsageBaseTestCase):
    """Nova's functional-test control plane, kept up until SIGTERM.

    Compute hosts run Nova's fake virt driver: a fake at the hypervisor
    boundary, which cannot run here (see the module docstring).
    """

    # Boots and evacuations are asynchronous RPC casts, as in production
    # (this base class does not turn casts into calls).
    compute_driver = 'fake.FakeDriver'

    def __init__(self, port):
        super().__init__('test_serve')
        self.port = port
        self.identity = Identity()
        self._lock = threading.Lock()
        self.running = {}

    def setUp(self):
        # Before the fixtures start: nova-api loads its paste pipeline
        # while OSAPIFixture is set up.
        paste = os.path.join(sys.prefix, 'etc', 'nova', 'api-paste.ini')
        self.flags(api_paste_config=paste, group='wsgi')
        for quota in ('instances', 'cores', 'ram', 'metadata_items',
                      'injected_files', 'injected_file_content_bytes',
                      'injected_file_path_length', 'key_pairs',
                      'server_groups', 'server_group_members'):
            self.flags(**{quota: -1, 'group': 'quota'})
        super().setUp()

    # -- compute hosts ----------------------------------------------------

    def _require(self, host):
        if host not in self.computes:
            raise HttpError(404, 'no compute host %s' % host)

    def start_compute(self, host):
        with self._lock:
            if host in self.computes:
                raise HttpError(409, 'compute host %s exists' % host)
            self._start_compute(host)
            self.running[host] = True
        LOG.info('compute host %s started', host)

    def stop_compute(self, host):
        with self._lock:
            self._require(host)
            if not self.running[host]:
                raise HttpError(409, 'compute host %s is stopped' % host)
            # Service.stop(): RPC servers, heartbeat and periodic timers
            # stop; the service record stays (Service.kill() would delete
            # it, which no crash does).
            self.computes[host].stop()
            self.running[host] = False
        LOG.info('compute host %s stopped', host)

    def restart_compute(self, host):
        with self._lock:
            self._require(host)
            compute = self.computes[host]
            if self.running[host]:
                new = self.restart_compute_service(compute)
            else:
                # Already stopped: do not stop it a second time.
                with mock.patch.object(compute, 'stop'):
                    new = self.restart_compute_service(compute)
            self.computes[host] = new
            self.running[host] = True
        LOG.info('compute host %s restarted', host)

    def describe_computes(self):
        with self._lock:
            return [{'host': host, 'running': self.running[host]}
                    for host in sorted(self.computes)]

    def defaults(self):
        return {'image_id': glance_fixture.GlanceFixture.image1['id'],
                'flavor_id': '1', 'networks': 'none',
                'compute_endpoint': '/compute/v2.1'}

    # -- HTTP ---------------------------------------------------------------

    def control(self, environ, start_response, path):
        method = environ['REQUEST_METHOD']
        parts = [p for p in path.split('/') if p]
        if parts == ['health'] and method == 'GET':
            return _json_response(start_response, 200, {'status': 'ok'})
        if parts == ['defaults'] and method == 'GET':
            return _json_response(start_response, 200, self.defaults())
        if parts == ['computes'] and method == 'GET':
            return _json_response(start_response, 200,
                                  {'computes': self.describe_computes()})
        if parts == ['computes'] and method == 'POST':
            host = _read_json(environ).get('host')
            if not host or not isinstance(host, str):
                raise HttpError(400, 'a "host" name is required')
            self.start_compute(host)
            return _json_response(start_response, 201,
                                  {'host': host, 'running': True})
        if (len(parts) == 3 and parts[0] == 'computes' and method == 'POST'
                and parts[2] in ('stop', 'restart')):
            host = parts[1]
            if parts[2] == 'stop':
                self.stop_compute(host)
            else:
                self.restart_compute(host)
            return _json_response(
                start_response, 200,
                {'host': host, 'running': parts[2] == 'restart'})
        raise HttpError(404, 'no such control resource: %s %s'
                        % (method, path))

    def compute(self, environ, start_response, path):
        for key in AUTH_HEADERS:
            environ.pop(key, None)
        environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + '/compute'
        environ['PATH_INFO'] = path or '/'
        token = environ.get('HTTP_X_AUTH_TOKEN')
        if path not in ('', '/'):
            if not token:
                raise HttpError(401, 'an X-Auth-Token is required')
            user, project, roles = self.identity.identify(token)
            environ['HTTP_X_AUTH_USER'] = user
            environ['HTTP_X_AUTH_PROJECT_ID'] = project
            environ['HTTP_X_ROLES'] = ','.join(roles)
            environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        return self.nova_api(environ, start_response)

    def application(self, environ, start_response):
        path = environ.get('PATH_INFO') or '/'
        try:
            for prefix, handler in (('/compute', self.compute),
                                    ('/identity', self.identity),
                                    ('/control', self.control)):
                if path == prefix or path.startswith(prefix + '/'):
                    return handler(environ, start_response,
                                   path[len(prefix):])
            raise HttpError(404, 'nothing at %s' % path)
        except HttpError as e:
            headers = []
            if e.status == 401:
                headers.append(('WWW-Authenticate',
                                'Keystone uri="http://%s/identity"'
                                % environ['HTTP_HOST']))
            return _json_response(start_response, e.status,
                                  {'error': {'code': e.status,
                                             'message': e.message}},
                                  headers)
        except Exception as e:
            LOG.exception('request %s %s failed',
                          environ['REQUEST_METHOD'], path)
            return _json_response(start_response, 500,
                                  {'error': {'code': 500,
                                             'message': str(e)}})

    # -- the "test": serve until told to stop ------------------------------

    def test_serve(self):
        self.nova_api = self.api_fixture.app()
        # Nova's StandardLogging keeps INFO logs in memory for a test's
        # report; send them to stderr (the fixture's log file) instead of
        # letting them grow for the life of the server.
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(
            '%(asctime)s %(levelname)s [%(name)s] %(message)s'))
        handler.setLevel(logging.DEBUG if os.environ.get('OS_DEBUG') in (
            'True', 'true', '1', 'yes') else logging.INFO)
        logging.getLogger().addHandler(handler)
        self.addCleanup(logging.getLogger().removeHandler, handler)

        httpd = simple_server.make_server(
            '127.0.0.1', self.port, self.application,
            server_class=ThreadingWSGIServer,
            handler_class=QuietHandler)
        self.addCleanup(httpd.server_close)
        server = threading.Thread(target=httpd.serve_forever,
                                  kwargs={'poll_interval': 0.2},
                                  name='nova-http', daemon=True)
        server.start()
        print(READY_LINE % httpd.server_address[1], flush=True)
        parent = os.getppid()
        last_trim = time.monotonic()
        while not _stop_requested:
            if os.getppid() != parent:
                LOG.warning('parent process went away; stopping')
                break
            if time.monotonic() - last_trim > 30:
                self.stdlog.delete_stored_logs()
                last_trim = time.monotonic()
            time.sleep(0.2)
        LOG.info('stopping')
        httpd.shutdown()
        server.join(10)


class ThreadingWSGIServer(socketserver.ThreadingMixIn,
                          simple_server.WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    # socketserver's default listen backlog is 5: 50 clients at once (the
    # recovery benchmark at R = 50) saw their connections reset.
    request_queue_size = 128


class QuietHandler(simple_server.WSGIRequestHandler):
    def log_message(self, format, *args):
        LOG.debug('%s %s', self.address_string(), format % args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, required=True,
                        help='TCP port on 127.0.0.1 (0: any free port)')
    parser.add_argument('--instance-hook',
                        help='JSON argv prefix of a program that starts '
                             'and stops each guest on its test host (see '
                             'InstanceHookDriver)')
    args = parser.parse_args()
    if args.instance_hook:
        InstanceHookDriver.hook = json.loads(args.instance_hook)
        # Nova loads 'nova.virt.<compute_driver>': make this script that.
        sys.modules['nova.virt.hastack_instance_hook'] = sys.modules[
            __name__]
        NovaControlPlane.compute_driver = (
            'hastack_instance_hook.InstanceHookDriver')
    for name in TEST_RUNNER_VARIABLES:
        os.environ.pop(name, None)

    # Only flag it here; the serving loop notices within 0.2 s.
    signal.signal(signal.SIGTERM, lambda *a: _stop_requested.append(a[0]))
    signal.signal(signal.SIGINT, lambda *a: _stop_requested.append(a[0]))

    case = NovaControlPlane(args.port)
    result = testtools.TextTestResult(sys.stderr, verbosity=1)
    result.startTestRun()
    case.run(result)
    result.stopTestRun()
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
