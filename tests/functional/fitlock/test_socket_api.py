"""fitlockd's socket API, start-up checks and the ``fitlock`` CLI, against
real fitlockd processes on a plain shared folder.

Whatever a client sends, fitlockd answers with an error that has a code,
keeps running and keeps every lease it holds (daemon.py docstring).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import types

import fixtures
import testtools

from hastack.fitlock import client as client_mod
from hastack.fitlock import records
from hastack.fitlock import storage
from hastack.fitlock import timing as timing_mod
from tests.functional.fitlock import fixtures as fl

T = fl.FAST
FITLOCK = os.path.join(fl.BIN, 'fitlock')
FITLOCKD = os.path.join(fl.BIN, 'fitlockd')


class RawConnection:
    """A client that sends bytes as they are and reads reply lines."""

    def __init__(self, path, timeout=10):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.file = self.sock.makefile('rb')

    def send(self, data):
        self.sock.sendall(data)

    def request(self, data):
        """Send one line (bytes, or an object to encode); read one reply."""
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        self.send(data + b'\n')
        return self.reply()

    def reply(self):
        line = self.file.readline()
        return json.loads(line) if line else None

    def close(self):
        self.file.close()
        self.sock.close()


class TestBadInput(testtools.TestCase):
    """Every bad request gets an error reply; nothing else changes."""

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fl.SharedFolder())
        self.host = self.useFixture(fl.Fitlockd(self.shared, 1))
        self.other = self.useFixture(fl.Fitlockd(self.shared, 2))
        self.holder = self.useFixture(fl.Holder())
        self.host.acquire('vm-1', pid=self.holder.pid)
        self.conn = RawConnection(self.host.socket_path)
        self.addCleanup(self.conn.close)

    def assertError(self, code, reply, message_part=None):
        self.assertIsNotNone(reply, 'fitlockd closed the connection')
        self.assertIs(False, reply['ok'], reply)
        self.assertEqual(code, reply['error']['code'], reply)
        self.assertTrue(reply['error']['message'], reply)
        if message_part:
            self.assertIn(message_part, reply['error']['message'])

    def assertStillHolding(self):
        """The daemon runs, answers, and still holds vm-1 for the holder."""
        self.assertIsNone(self.host.process.poll(), self.host.read_log())
        status = self.host.lockspace_status()
        self.assertEqual('ok', status['state'])
        self.assertEqual(['vm-1'], status['leases'])
        self.assertEqual({'vm-1': [self.holder.pid]}, status['holders'])
        view = self.host.call('inquire', lockspace='ls', resource='vm-1')
        self.assertTrue(view['mine'])
        self.assertTrue(view['held'])
        self.assertTrue(self.holder.alive())
        e = self.assertRaises(client_mod.RemoteError, self.other.acquire,
                              'vm-1')
        self.assertEqual('lease_held', e.code)

    def test_malformed_json(self):
        for line in (b'{bad', b'{"op": "status"', b'nul\x00l',
                     b'\xff\xfe\x00garbage', b'"just a string"', b'42',
                     b'null'):
            reply = self.conn.request(line)
            self.assertError('bad_request', reply)
            self.assertIsNone(reply['id'])
        # The same connection still works.
        reply = self.conn.request({'op': 'ping', 'id': 7})
        self.assertEqual({'id': 7, 'ok': True,
                          'result': {'pong': True, 'host': 'host1'}},
                         reply)
        self.assertStillHolding()

    def test_json_array(self):
        reply = self.conn.request(b'[{"op": "release", "lockspace": "ls", '
                                  b'"resource": "vm-1"}]')
        self.assertError('bad_request', reply, 'JSON object')
        self.assertStillHolding()

    def test_unknown_or_missing_op(self):
        for request, part in (({'op': 'frobnicate', 'id': 1}, 'frobnicate'),
                              ({'id': 2}, 'unknown op'),
                              ({'op': 3, 'id': 3}, 'unknown op'),
                              ({'op': None, 'id': 4}, 'unknown op'),
                              ({'op': ['release'], 'id': 5}, 'unknown op'),
                              ({'op': '', 'id': 6}, 'unknown op'),
                              ({'op': 'handle', 'id': 7}, 'unknown op')):
            reply = self.conn.request(request)
            self.assertError('bad_request', reply, part)
            self.assertEqual(request['id'], reply['id'])
        self.assertStillHolding()

    def test_missing_or_wrong_typed_fields(self):
        cases = [
            {'op': 'acquire', 'lockspace': 'ls'},
            {'op': 'acquire', 'resource': 'vm-2'},
            {'op': 'acquire', 'lockspace': 7, 'resource': 'vm-2'},
            {'op': 'acquire', 'lockspace': '', 'resource': 'vm-2'},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': 12},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': None},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': ['vm-2']},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': 'vm-2',
             'pid': 'twelve'},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': 'vm-2',
             'pid': -5},
            {'op': 'acquire', 'lockspace': 'ls', 'resource': 'vm-2',
             'pid': 1.5},
            {'op': 'release', 'lockspace': 'ls'},
            {'op': 'release', 'lockspace': 'ls', 'resource': {'a': 1}},
            {'op': 'release', 'resource': 'vm-1'},
            {'op': 'release', 'lockspace': ['ls'], 'resource': 'vm-1'},
            {'op': 'inquire', 'lockspace': 'ls'},
            {'op': 'add_holder', 'lockspace': 'ls', 'resource': 'vm-1'},
            {'op': 'add_holder', 'lockspace': 'ls', 'resource': 'vm-1',
             'pid': '1'},
            {'op': 'add_holder', 'lockspace': 'ls', 'resource': 'vm-1',
             'pid': 0},
            {'op': 'join'},
            {'op': 'join', 'lockspace': 'ls', 'host_id': 'one'},
            {'op': 'join', 'lockspace': 'a/b'},
            {'op': 'leave', 'lockspace': 5},
            {'op': 'hosts'},
            {'op': 'dump', 'lockspace': None},
        ]
        for number, request in enumerate(cases):
            request['id'] = number
            reply = self.conn.request(request)
            self.assertError('bad_request', reply)
            self.assertEqual(number, reply['id'])
        self.assertStillHolding()

    def test_booleans_are_not_numbers(self):
        # JSON true is not a pid: taken as an int it is pid 1, and
        # fencing vm-2 would SIGKILL init.
        for request in (
                {'op': 'acquire', 'lockspace': 'ls', 'resource': 'vm-2',
                 'pid': True},
                {'op': 'add_holder', 'lockspace': 'ls', 'resource': 'vm-1',
                 'pid': True},
                {'op': 'join', 'lockspace': 'ls', 'host_id': True}):
            reply = self.conn.request(request)
            self.assertError('bad_request', reply)
        status = self.host.lockspace_status()
        self.assertNotIn(1, sum(status['holders'].values(), []))
        self.assertStillHolding()

    def test_bad_resource_names(self):
        for resource in ('a/b', '/vm-1', '../vm-1', '.hidden', '',
                         'x' * (records.NAME_BYTES + 1),
                         '\u00e9' * (records.NAME_BYTES // 2 + 1)):
            for op in ('acquire', 'release', 'inquire'):
                reply = self.conn.request({'op': op, 'id': 1,
                                           'lockspace': 'ls',
                                           'resource': resource})
                self.assertError('bad_request', reply, 'resource')
        # The longest allowed name works.
        longest = 'y' * records.NAME_BYTES
        self.assertEqual(longest, self.host.acquire(longest)['resource'])
        self.host.call('release', lockspace='ls', resource=longest)
        self.assertStillHolding()
        self.assertFalse(os.path.exists(os.path.join(self.shared.path,
                                                     'vm-1')))

    def _no_file_name(self, resource):
        for op in ('acquire', 'inquire', 'release'):
            reply = self.conn.request({'op': op, 'id': 1,
                                       'lockspace': 'ls',
                                       'resource': resource})
            self.assertError('bad_request', reply, 'resource')
        self.assertStillHolding()

    def test_resource_name_with_a_nul_byte(self):
        # A NUL cannot be in a file name: a clear bad_request, not an
        # internal error from os.open.
        self._no_file_name('vm\x00-1')

    def test_resource_name_that_is_no_utf8(self):
        # A lone surrogate (valid JSON "\ud800") has no UTF-8 encoding.
        self._no_file_name('\ud800')

    def test_unknown_lockspace(self):
        for op in ('acquire', 'release', 'inquire', 'hosts', 'leave',
                   'add_holder'):
            reply = self.conn.request({'op': op, 'id': op,
                                       'lockspace': 'nope',
                                       'resource': 'vm-1', 'pid': 99})
            self.assertError('unknown_lockspace', reply, 'nope')
        # join and dump look for the file.
        for op in ('join', 'dump'):
            reply = self.conn.request({'op': op, 'id': op,
                                       'lockspace': 'nope'})
            self.assertError('unknown_lockspace', reply, 'nope')
        self.assertStillHolding()

    def test_release_of_a_lease_not_held(self):
        reply = self.conn.request({'op': 'release', 'id': 1,
                                   'lockspace': 'ls', 'resource': 'vm-9'})
        self.assertError('unknown_lease', reply, 'vm-9')
        # Held by another host: not ours to release.
        self.other.acquire('vm-2')
        reply = self.conn.request({'op': 'release', 'id': 2,
                                   'lockspace': 'ls', 'resource': 'vm-2'})
        self.assertError('unknown_lease', reply, 'vm-2')
        self.assertTrue(self.other.call('inquire', lockspace='ls',
                                        resource='vm-2')['mine'])
        reply = self.conn.request({'op': 'add_holder', 'id': 3,
                                   'lockspace': 'ls', 'resource': 'vm-9',
                                   'pid': os.getpid()})
        self.assertError('unknown_lease', reply, 'vm-9')
        self.assertStillHolding()

    def test_fence_answer_without_a_query(self):
        for request in ({'op': 'fence_answer', 'id': 'q1',
                         'decision': 'no-fence', 'grant_seconds': 60},
                        {'op': 'fence_answer'}):
            reply = self.conn.request(request)
            self.assertError('bad_request', reply, 'fence query')
        # Nor from a registered arbiter that was asked nothing.
        arbiter = RawConnection(self.host.socket_path)
        self.addCleanup(arbiter.close)
        self.assertTrue(arbiter.request({'op': 'register_arbiter',
                                         'id': 1})['ok'])
        reply = arbiter.request({'op': 'fence_answer', 'id': 'q1',
                                 'decision': 'fence'})
        self.assertError('bad_request', reply, 'fence query')
        self.assertStillHolding()

    def test_over_long_line(self):
        self.conn.send(b'{"op": "ping", "pad": "' +
                       b'x' * (70 * 1024) + b'"}\n')
        reply = self.conn.reply()
        self.assertError('bad_request', reply, 'longer than')
        # That connection is closed; the daemon serves others.
        self.assertIsNone(self.conn.reply())
        self.assertStillHolding()

    def test_client_gone_mid_request(self):
        self.conn.send(b'{"op": "release", "lockspace": "ls", "res')
        self.conn.close()
        self.assertStillHolding()

    def test_many_bad_requests_on_many_connections(self):
        for number in range(20):
            conn = RawConnection(self.host.socket_path)
            try:
                self.assertError('bad_request', conn.request(
                    b'{"op": "acquire", "id": %d}' % number))
            finally:
                conn.close()
        self.assertStillHolding()


def _config(home, shared_path, timing=T, host_id=1, state_dir=None,
            socket_path=None, lockspaces=''):
    """A fitlockd/fitlock config file in ``home``; returns its path."""
    path = os.path.join(home, 'fitlock-%d.conf' % host_id)
    boot = os.path.join(home, 'boot_id')
    with open(boot, 'w') as f:
        f.write('boot-1\n')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nhost = host%d\n[fitlock]\ndirectory = %s\n'
                'host_id = %d\nio_timeout = %s\nwatchdog_timeout = %s\n'
                'arbiter_wait = %s\nkill_timeout = %s\nslop = %s\n'
                'socket_path = %s\nstate_dir = %s\nboot_id_file = %s\n'
                'lockspaces = %s\nmax_hosts = 4\n'
                % (host_id, shared_path, host_id, timing.io_timeout,
                   timing.watchdog, timing.arbiter_wait, timing.kill_time,
                   timing.slop,
                   socket_path or os.path.join(home, 'fitlockd.sock'),
                   state_dir or os.path.join(home, 'state'), boot,
                   lockspaces))
    return path


def _run_fitlockd(config, timeout=20):
    """Run a fitlockd that is expected to refuse to start."""
    try:
        return subprocess.run([FITLOCKD, '--config-file', config],
                              capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise AssertionError('fitlockd did not exit within %s s: %s'
                             % (timeout, e.stderr))


class TestStartup(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fl.SharedFolder())

    def test_second_daemon_with_the_same_state_folder(self):
        first = self.useFixture(fl.Fitlockd(self.shared, 1))
        holder = self.useFixture(fl.Holder())
        first.acquire('vm-1', pid=holder.pid)
        home = self.useFixture(fixtures.TempDir()).path
        # Another socket, so only the state folder is shared.
        config = _config(home, self.shared.path,
                         state_dir=os.path.join(first.home, 'state'),
                         lockspaces='ls')
        result = _run_fitlockd(config)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('another fitlockd already runs with state folder',
                      result.stderr)
        self.assertIn(os.path.join(first.home, 'state'), result.stderr)
        self.assertEqual(['vm-1'], first.lockspace_status()['leases'])
        self.assertTrue(holder.alive())

    def test_second_daemon_on_the_same_socket(self):
        first = self.useFixture(fl.Fitlockd(self.shared, 1))
        home = self.useFixture(fixtures.TempDir()).path
        config = _config(home, self.shared.path,
                         socket_path=first.socket_path)
        result = _run_fitlockd(config)
        self.assertNotEqual(0, result.returncode)
        self.assertIn('already listens on %s' % first.socket_path,
                      result.stderr)
        self.assertEqual('ok', first.lockspace_status()['state'])

    def test_unsafe_timing_refused(self):
        home = self.useFixture(fixtures.TempDir()).path
        unsafe = timing_mod.Timing(io_timeout=0.2, watchdog=2.0,
                                   arbiter_wait=1.5, kill_time=0.5,
                                   slop=0.25)
        result = _run_fitlockd(_config(home, self.shared.path, unsafe))
        self.assertNotEqual(0, result.returncode)
        message = result.stderr.strip()
        self.assertIn('unsafe timing', message)
        for number in ('arbiter_wait (1.5 s)', 'kill_time (0.5 s)',
                       'slop (0.25 s)', '= 2.25 s', 'W = 2.0 s'):
            self.assertIn(number, message)
        self.assertFalse(os.path.exists(os.path.join(home,
                                                     'fitlockd.sock')))

    def test_exactly_safe_timing_starts(self):
        # A + T_kill + slop = W and slop = N: both conditions at their
        # bound.
        safe = timing_mod.Timing(io_timeout=0.2, watchdog=2.0,
                                 arbiter_wait=1.3, kill_time=0.5,
                                 slop=0.2)
        host = self.useFixture(fl.Fitlockd(self.shared, 1, safe))
        self.assertEqual(1.3,
                         host.lockspace_status()['timing']['arbiter_wait'])

    def test_slop_above_n_refused(self):
        home = self.useFixture(fixtures.TempDir()).path
        unsafe = timing_mod.Timing(io_timeout=0.2, watchdog=2.0,
                                   arbiter_wait=0.5, kill_time=0.5,
                                   slop=0.25)
        result = _run_fitlockd(_config(home, self.shared.path, unsafe))
        self.assertNotEqual(0, result.returncode)
        message = result.stderr.strip()
        self.assertIn('unsafe timing', message)
        for number in ('slop (0.25 s)', 'io_timeout N = 0.2 s'):
            self.assertIn(number, message)

    def _join_refused(self, name, code, part):
        host = self.useFixture(fl.Fitlockd(self.shared, 1, join=False))
        e = self.assertRaises(client_mod.RemoteError, host.call, 'join',
                              lockspace=name)
        self.assertEqual(code, e.code)
        self.assertIn(part, str(e))
        self.assertEqual([], host.call('status')['lockspaces'])
        # The daemon goes on and joins a good lockspace.
        self.assertEqual(1, host.call('join', lockspace='ls')['generation'])
        return host

    def test_garbage_header_refused(self):
        storage.create_lockspace(self.shared.path, 'bad', 4, T.io_timeout)
        with open(storage.lockspace_path(self.shared.path, 'bad'),
                  'r+b') as f:
            f.write(os.urandom(storage.BLOCK))
        self._join_refused('bad', 'corrupt', 'Header')

    def test_zeroed_header_refused(self):
        storage.create_lockspace(self.shared.path, 'blank', 4, T.io_timeout)
        path = storage.lockspace_path(self.shared.path, 'blank')
        with open(path, 'r+b') as f:
            f.write(bytes(storage.BLOCK))
        self._join_refused('blank', 'corrupt', 'no lockspace header')

    def test_empty_file_refused(self):
        open(storage.lockspace_path(self.shared.path, 'empty'), 'w').close()
        self._join_refused('empty', 'corrupt', 'no lockspace header')

    def test_foreign_header_refused(self):
        shutil.copyfile(storage.lockspace_path(self.shared.path, 'ls'),
                        storage.lockspace_path(self.shared.path, 'copy'))
        self._join_refused('copy', 'corrupt', "belongs to lockspace 'ls'")

    def test_other_io_timeout_refused(self):
        storage.create_lockspace(self.shared.path, 'slow', 4, 1.0)
        self._join_refused('slow', 'error', 'io_timeout')

    def test_corrupt_lockspace_at_startup(self):
        storage.create_lockspace(self.shared.path, 'bad', 4, T.io_timeout)
        with open(storage.lockspace_path(self.shared.path, 'bad'),
                  'r+b') as f:
            f.write(b'\x01' * storage.BLOCK)
        # Joins "bad" (refused) and "ls" at start; the fixture waits until
        # one lockspace is ok.
        both = types.SimpleNamespace(path=self.shared.path,
                                     lockspace='bad,ls')
        host = self.useFixture(fl.Fitlockd(both, 1))
        self._wait_joined(host, 'ls')
        names = [s['lockspace'] for s in host.call('status')['lockspaces']]
        self.assertEqual(['ls'], names)
        self.assertIn('Could not join lockspace bad', host.read_log())
        self.assertIsNone(host.process.poll())

    def _wait_joined(self, host, name):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            for space in host.call('status')['lockspaces']:
                if space['lockspace'] == name and space['state'] == 'ok':
                    return
            time.sleep(0.05)
        self.fail('%s not joined: %s' % (name, host.read_log()))


# A + T_kill + slop = 2 + 0.5 + 0.5 <= W = 4; slop <= N (timing.py).
CLI_TIMING = timing_mod.Timing(io_timeout=0.5, watchdog=4.0,
                               arbiter_wait=2.0, kill_time=0.5, slop=0.5)


class TestCli(testtools.TestCase):
    """``fitlock --config-file ... COMMAND``: JSON on success, one error
    line and a non-zero exit otherwise."""

    def setUp(self):
        super().setUp()
        # The commands are the point here, not the timing: N = 0.5 s
        # rather than FAST's 0.2 s, which a loaded machine can overrun
        # on a single read (seen in CI).
        self.shared = self.useFixture(fl.SharedFolder(timing=CLI_TIMING))
        self.host = self.useFixture(fl.Fitlockd(self.shared, 1,
                                                timing=CLI_TIMING))
        self.holder = self.useFixture(fl.Holder())

    def fitlock(self, *args, config=None):
        result = subprocess.run(
            [FITLOCK, '--config-file', config or self.host.config] +
            list(args), capture_output=True, text=True, timeout=30)
        return result

    def ok(self, *args, **kw):
        result = self.fitlock(*args, **kw)
        self.assertEqual(0, result.returncode, result.stderr)
        return json.loads(result.stdout)

    def refused(self, *args, part=None, **kw):
        result = self.fitlock(*args, **kw)
        self.assertNotEqual(0, result.returncode, result.stdout)
        self.assertEqual('', result.stdout)
        lines = [line for line in result.stderr.splitlines() if line]
        self.assertEqual(1, len(lines), result.stderr)
        self.assertTrue(lines[0].startswith('fitlock: '), lines[0])
        self.assertNotIn('Traceback', result.stderr)
        if part:
            self.assertIn(part, lines[0])
        return lines[0]

    def test_init_dump_status_acquire_inquire_release(self):
        made = self.ok('init', 'second', '--max-hosts', '3')
        self.assertEqual(3, made['max_hosts'])
        self.assertEqual(CLI_TIMING.io_timeout, made['io_timeout'])
        self.assertEqual(storage.lockspace_path(self.shared.path, 'second'),
                         made['created'])
        dumped = self.ok('dump', 'second')
        self.assertEqual('second', dumped['header']['lockspace'])
        self.assertEqual(3, dumped['header']['max_hosts'])
        self.assertEqual([], dumped['hosts'])

        acquired = self.ok('acquire', 'ls', 'vm-1', '--pid',
                           str(self.holder.pid))
        self.assertEqual({'resource': 'vm-1', 'lver': 1, 'owner_id': 1,
                          'owner_generation': 1}, acquired)
        status = self.ok('status')
        self.assertEqual('host1', status['host'])
        (space,) = status['lockspaces']
        self.assertEqual(['vm-1'], space['leases'])
        self.assertEqual({'vm-1': [self.holder.pid]}, space['holders'])
        inquired = self.ok('inquire', 'ls', 'vm-1')
        self.assertTrue(inquired['mine'])
        self.assertEqual('host1', inquired['owner_name'])
        dumped = self.ok('dump', 'ls')
        self.assertEqual(['host1'], [h['record']['owner']
                                     for h in dumped['hosts']])
        self.assertEqual(['vm-1'], [lease['resource']
                                    for lease in dumped['leases']])
        self.assertEqual(1, dumped['leases'][0]['leader']['owner_id'])

        self.assertEqual({'released': 'vm-1'},
                         self.ok('release', 'ls', 'vm-1'))
        self.assertEqual([], self.ok('status')['lockspaces'][0]['leases'])
        self.assertTrue(self.ok('inquire', 'ls', 'vm-1')['released'])
        self.assertTrue(self.holder.alive())

    def test_init_refuses_an_existing_lockspace(self):
        path = storage.lockspace_path(self.shared.path, 'ls')
        with open(path, 'rb') as f:
            header = f.read(storage.BLOCK)
        self.refused('init', 'ls', part='already exists')
        # The header is untouched (the host slots go on being renewed).
        with open(path, 'rb') as f:
            self.assertTrue(header == f.read(storage.BLOCK))
        self.assertEqual('ok', self.host.lockspace_status()['state'])

    def test_unknown_lockspace(self):
        for args in (('acquire', 'nope', 'vm-1'),
                     ('release', 'nope', 'vm-1'),
                     ('inquire', 'nope', 'vm-1'),
                     ('hosts', 'nope'),
                     ('dump', 'nope'),
                     ('join', 'nope')):
            self.refused(*args, part='nope')

    def test_bad_input(self):
        self.refused('acquire', 'ls', 'a/b', part='resource')
        self.refused('release', 'ls', 'vm-9', part='vm-9')
        self.refused('acquire', 'ls', 'vm-1', '--pid', '0', part='pid')
        self.assertEqual([], self.host.lockspace_status()['leases'])

    def test_fitlockd_not_running(self):
        self.host.kill()
        self.refused('status')

    def test_corrupt_lockspace_dump(self):
        with open(storage.lockspace_path(self.shared.path, 'ls'),
                  'r+b') as f:
            f.write(b'\x02' * 64)
        self.refused('dump', 'ls', part='Header')

    def test_leave_with_leases_refused_then_works(self):
        self.ok('acquire', 'ls', 'vm-1')
        self.refused('leave', 'ls', part='release them first')
        self.ok('release', 'ls', 'vm-1')
        self.assertEqual({'left': 'ls'}, self.ok('leave', 'ls'))
        self.assertEqual([], self.ok('status')['lockspaces'])
        self.assertEqual(2, self.ok('join', 'ls')['generation'])
        # Terminating keeps nothing half-done.
        self.host.signal(signal.SIGTERM)
        self.assertEqual(0, self.host.process.wait(10))
