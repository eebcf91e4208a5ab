"""``NovaServer``: a real Nova control plane as a child process.

Use it from HaStack's tests (HaStack's venv: no nova import here)::

    nova = self.useFixture(NovaServer())
    nova.start_compute('c1')
    auth = v3.Password(auth_url=nova.auth_url, **nova.admin_credentials)
    client = novaclient.client.Client(
        '2.94', session=keystoneauth1.session.Session(auth=auth))
    nova.stop_compute('c1')            # like a crash: service record kept

The server (``server.py``) runs Nova's own functional-test fixtures with
the fake virt driver as the hypervisor, serves the real nova-api under
``/compute`` and a minimal Keystone under ``/identity``; see its
docstring. It runs with the python of the Nova venv made by
``tools/setup-nova-venv.sh`` (``$HASTACK_NOVA_VENV``, else
``<repo>/.nova-venv``), which this fixture runs first (fast when the venv
is ready; ~1 min on a new machine).
"""

import http.client
import json
import os
import re
import signal
import subprocess
import time

import fixtures

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
SETUP_SCRIPT = os.path.join(TOP, 'tools', 'setup-nova-venv.sh')
SERVER_SCRIPT = os.path.join(HERE, 'server.py')
READY = re.compile(r'^HASTACK-NOVA-READY port=(\d+)$', re.MULTILINE)
# Variables of HaStack's test runner that must not reach Nova's TestCase
# machinery in the child (timeouts, output capture) or its python.
_DROP_ENV = ('OS_TEST_TIMEOUT', 'OS_STDOUT_CAPTURE', 'OS_STDERR_CAPTURE',
             'OS_LOG_CAPTURE', 'VIRTUAL_ENV', 'PYTHONPATH', 'PYTHONHOME')


class NovaServerError(AssertionError):
    """The Nova server could not be set up, started or driven."""


def nova_venv_path():
    """Where the Nova venv is (it may not exist yet)."""
    return os.environ.get('HASTACK_NOVA_VENV') or os.path.join(
        TOP, '.nova-venv')


def ensure_nova_venv(venv=None, timeout=900):
    """Make the Nova venv if needed; return its python's path."""
    venv = venv or nova_venv_path()
    try:
        proc = subprocess.run(['bash', SETUP_SCRIPT, venv],
                              capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        raise NovaServerError(
            'tools/setup-nova-venv.sh %s did not finish in %d s: %s'
            % (venv, timeout, e.stderr))
    python = proc.stdout.strip().splitlines()[-1:] if proc.stdout else []
    if proc.returncode != 0 or not python or not os.access(python[0],
                                                            os.X_OK):
        raise NovaServerError(
            'Could not set up the Nova venv %s with tools/setup-nova-venv.sh '
            '(it needs python3-venv and PyPI): exit %s\n%s\n%s'
            % (venv, proc.returncode, proc.stdout[-2000:],
               proc.stderr[-4000:]))
    return python[0]


class NovaServer(fixtures.Fixture):
    """Nova (API, conductor, scheduler, placement, fake computes) on
    loopback, in a process of its own.

    :param port: TCP port on 127.0.0.1; the default 0 lets the server bind
        any free port and report it (no race with other tests).
    :param venv: the Nova venv; default ``$HASTACK_NOVA_VENV`` or
        ``<repo>/.nova-venv``.
    :param ready_timeout: seconds to wait for the server to serve.
    :param instance_hook: argv prefix of a program the computes run to
        start and stop each guest on its test host (server.py's
        ``InstanceHookDriver``); None: guests exist only in Nova's fake
        driver.

    :ivar url: ``http://127.0.0.1:<port>``.
    :ivar auth_url: Keystone v3 URL for keystoneauth (``v3password`` or
        ``password``).
    :ivar compute_url: the compute endpoint (also in the token's catalog).
    :ivar admin_credentials: keyword arguments for keystoneauth's
        ``v3password`` plugin (with ``auth_url``): an admin of project
        ``admin``.
    :ivar defaults: what to boot with: ``image_id`` (the fixture's fake
        Glance image), ``flavor_id`` (``'1'``, m1.tiny), ``networks``
        (``'none'``, microversion >= 2.37).
    :ivar pid: the server's process id.
    :ivar log_path: its stdout and stderr (Nova's INFO log).
    """

    STOP_TIMEOUT = 10

    def __init__(self, port=0, venv=None, ready_timeout=120,
                 instance_hook=None):
        super().__init__()
        self.instance_hook = instance_hook
        self.port = port
        self.venv = venv
        self.ready_timeout = ready_timeout

    def _setUp(self):
        python = ensure_nova_venv(self.venv)
        folder = self.useFixture(fixtures.TempDir()).path
        self.log_path = os.path.join(folder, 'nova-server.log')
        env = {k: v for k, v in os.environ.items() if k not in _DROP_ENV}
        with open(self.log_path, 'wb') as out:
            # -I: the script's folder (HaStack's tests) stays off sys.path
            # and PYTHON* variables are ignored.
            self.process = subprocess.Popen(
                [python, '-I', SERVER_SCRIPT, '--port', str(self.port)] +
                (['--instance-hook', json.dumps(self.instance_hook)]
                 if self.instance_hook else []),
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=folder)
        self.pid = self.process.pid
        self.addCleanup(self._stop)
        self.port = self._wait_ready()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.auth_url = self.url + '/identity/v3'
        self.compute_url = self.url + '/compute/v2.1'
        self.admin_credentials = self.credentials('admin', 'admin')
        self.defaults = self._control('GET', '/defaults')

    # -- process ------------------------------------------------------------

    def _wait_ready(self):
        deadline = time.monotonic() + self.ready_timeout
        while True:
            match = READY.search(self.log())
            if match:
                return int(match.group(1))
            if self.process.poll() is not None:
                raise NovaServerError(
                    'Nova server exited with %s before serving:\n%s'
                    % (self.process.returncode, self.log()[-6000:]))
            if time.monotonic() > deadline:
                raise NovaServerError(
                    'Nova server did not serve within %d s:\n%s'
                    % (self.ready_timeout, self.log()[-6000:]))
            time.sleep(0.1)

    def log(self):
        """What the server wrote so far (its Nova log)."""
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    def _stop(self):
        # SIGTERM, then SIGKILL after STOP_TIMEOUT s; by pid, and only
        # while this Popen has not reaped it (the pid is still ours).
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

    # -- identity -----------------------------------------------------------

    @staticmethod
    def credentials(username, project_name, password='secret'):
        """``v3password`` keyword arguments for a user of a project.

        Any password works. ``admin`` (or ``admin-<anything>``) is an admin
        (roles reader, member, admin); others are members (reader,
        member) of ``project_name``.
        """
        return {'username': username, 'password': password,
                'project_name': project_name,
                'user_domain_name': 'Default',
                'project_domain_name': 'Default'}

    # -- compute hosts ------------------------------------------------------

    def start_compute(self, host):
        """Start a nova-compute service (fake hypervisor) for ``host``."""
        return self._control('POST', '/computes', {'host': host})

    def stop_compute(self, host):
        """Stop ``host``'s nova-compute like a crash: its service record
        and its guests on the fake hypervisor stay; its heartbeat stops.
        Nova sees it down after ``service_down_time`` (60 s) or at once
        when forced down through os-services."""
        return self._control('POST', '/computes/%s/stop' % host)

    def restart_compute(self, host):
        """Start a new nova-compute for ``host`` (stopped or running) on
        the same fake hypervisor; it cleans up guests evacuated away."""
        return self._control('POST', '/computes/%s/restart' % host)

    def computes(self):
        """``[{'host': ..., 'running': bool}, ...]``"""
        return self._control('GET', '/computes')['computes']

    def _control(self, method, path, body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=60)
        try:
            headers = {}
            data = None
            if body is not None:
                data = json.dumps(body)
                headers['Content-Type'] = 'application/json'
            conn.request(method, '/control' + path, body=data,
                         headers=headers)
            resp = conn.getresponse()
            raw = resp.read().decode('utf-8')
        finally:
            conn.close()
        payload = json.loads(raw) if raw else None
        if resp.status >= 400:
            raise NovaServerError('%s /control%s: %s %s'
                                  % (method, path, resp.status, raw))
        return payload
