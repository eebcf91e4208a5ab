"""Real parts for functional tests: throwaway databases, HaStack processes.

Each database backend gets a database of its own per test, created on
the server with the ``openstack_citest`` account that
``tools/setup-test-databases.sh`` makes. A server that cannot be reached
skips the test, or fails it when ``HASTACK_TEST_REQUIRE_DBS=1`` (CI).
"""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.parse

import fixtures
from oslo_utils import uuidutils
import sqlalchemy as sa
import testtools

REQUIRE_DBS = os.environ.get('HASTACK_TEST_REQUIRE_DBS') == '1'
_CITEST = 'openstack_citest'
SERVER_URLS = {
    'mysql': 'mysql+pymysql://%s:%s@127.0.0.1:3306/' % (_CITEST, _CITEST),
    'postgresql': 'postgresql+psycopg2://%s:%s@127.0.0.1:5432/postgres'
                  % (_CITEST, _CITEST),
}
BACKENDS = ('sqlite', 'mysql', 'postgresql')


def _bin(name):
    return os.path.join(os.path.dirname(sys.executable), name)


class Database(fixtures.Fixture):
    """A new, empty database on ``backend``; dropped afterwards.

    :ivar url: its SQLAlchemy URL.
    """

    def __init__(self, backend):
        super().__init__()
        self.backend = backend

    def _setUp(self):
        if self.backend == 'sqlite':
            folder = self.useFixture(fixtures.TempDir()).path
            self.url = 'sqlite:///%s/hastack.sqlite' % folder
            return
        name = 'hastack_func_%s' % uuidutils.generate_uuid(dashed=False)[:12]
        admin = sa.create_engine(SERVER_URLS[self.backend],
                                 isolation_level='AUTOCOMMIT')
        try:
            with admin.connect() as conn:
                conn.execute(sa.text('CREATE DATABASE %s' % name))
        except sa.exc.OperationalError as e:
            admin.dispose()
            message = '%s is not reachable: %s' % (self.backend, e)
            if REQUIRE_DBS:
                raise AssertionError(message)
            raise testtools.TestCase.skipException(message)
        self.addCleanup(self._drop, admin, name)
        base = SERVER_URLS[self.backend]
        if self.backend == 'postgresql':
            base = base.rsplit('/', 1)[0] + '/'
        self.url = base + name

    @staticmethod
    def _drop(admin, name):
        with admin.connect() as conn:
            conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
        admin.dispose()


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def run_command(*args):
    """Run a HaStack console script; returns the CompletedProcess."""
    return subprocess.run([_bin(args[0])] + list(args[1:]),
                          capture_output=True, text=True, timeout=120,
                          check=False)


class ApiServer(fixtures.Fixture):
    """``hastack-api`` as a real process on a loopback port.

    :param config_file: the hastack.conf to start it with.
    :ivar url: its base URL.
    """

    def __init__(self, config_file, port):
        super().__init__()
        self.config_file = config_file
        self.port = port

    def _setUp(self):
        log = self.useFixture(fixtures.TempDir()).join('api.log')
        self.log_path = log
        with open(log, 'wb') as out:
            self.process = subprocess.Popen(
                [_bin('hastack-api'), '--config-file', self.config_file],
                stdout=out, stderr=subprocess.STDOUT)
        self.addCleanup(self._stop)
        self.url = 'http://127.0.0.1:%d' % self.port
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError('hastack-api exited: %s' % self.log())
            try:
                status, _, _ = self.request('GET', '/healthcheck')
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError('hastack-api did not answer: %s' % self.log())

    def log(self):
        """What the server wrote to its log so far."""
        with open(self.log_path, encoding='utf-8', errors='replace') as f:
            return f.read()

    def _stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def request(self, method, path, headers=None, body=None):
        """One HTTP request; returns (status, headers, decoded JSON or
        text)."""
        parsed = urllib.parse.urlsplit('http://127.0.0.1:%d' % self.port)
        conn = http.client.HTTPConnection(parsed.hostname, parsed.port,
                                          timeout=30)
        data = None
        headers = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, str) else json.dumps(body)
            headers['Content-Type'] = 'application/json'
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read().decode('utf-8')
            try:
                payload = json.loads(raw) if raw else None
            except ValueError:
                payload = raw
            return resp.status, dict(resp.getheaders()), payload
        finally:
            conn.close()
