"""Fitlock against Debian's sanlock, on one machine, in one run.

Started by ``run`` (next to this file), which installs what is missing and
runs this under /usr/bin/python3. Two hosts of each, as real daemons:

* Fitlock: two ``fitlockd`` processes (host ids 1 and 2), each with its
  own state folder and socket, sharing one folder;
* sanlock: two ``sanlock daemon`` processes, each with its own run
  folder (``SANLOCK_RUN_DIR``) and host name (``-e``), sharing one
  folder; each is driven by its own ``sanlock_agent.py`` process.

Both use the same io_timeout ``N``, 250 host slots of 4 KiB (sanlock:
4 KiB sectors, 1 MiB alignment), and the same host-dead time
``H = 8N + 60 s`` (sanlock's fixed 60 s watchdog part; Fitlock is given
W = 60 s). The shared folders are two folders of one temporary folder,
so both use the same file system. See benchmarks/README.md for what
each figure means.
"""

import argparse
import collections
import json
import math
import os
import platform
import pwd
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
# The client side of Fitlock's socket API and its file layout use the
# standard library only, so they import here, under /usr/bin/python3,
# next to python3-sanlock; fitlockd itself runs from HaStack's venv.
sys.path.insert(0, TOP)
from hastack.fitlock import client as fl_client  # noqa: E402
from hastack.fitlock import storage as fl_storage  # noqa: E402

LOCKSPACE = 'bench'
MAX_HOSTS = 250          # sanlock's maximum for 4 KiB sectors, 1 MiB align
WATCHDOG = 60.0          # sanlock's fixed WATCHDOG_FIRE_TIMEOUT
DEFAULT_SLOP = 5.0       # Fitlock's default slop ([fitlock] slop)
FAIL_FACTOR = 8          # F = 8N, both
POLL = 0.1               # takeover polling interval, both
SYSCALLS = ('pread64,pwrite64,preadv,pwritev,preadv2,pwritev2,read,write,'
            'io_submit,fsync,fdatasync')
READS = {'pread64', 'preadv', 'preadv2', 'read'}
WRITES = {'pwrite64', 'pwritev', 'pwritev2', 'write'}
SYNCS = {'fsync', 'fdatasync'}


def fitlock_slop(io_timeout):
    """Fitlock's slop at io_timeout ``N``: its default, but at most ``N``
    (timing.check() refuses ``slop > N``)."""
    return min(DEFAULT_SLOP, io_timeout)


T0 = time.monotonic()


class BenchError(Exception):
    """A figure could not be measured."""


def log(message):
    print('[%6.1f s] %s' % (time.monotonic() - T0, message), flush=True)


# -- processes we started (ended by pid, never by name) ------------------

class Processes:

    def __init__(self):
        self.procs = []

    def add(self, proc, last=False):
        self.procs.append((last, proc))
        return proc

    def end_all(self):
        for _, proc in sorted(self.procs, key=lambda p: p[0]):
            if proc.poll() is None:
                try:
                    os.kill(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        for _, proc in self.procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                pass


PROCS = Processes()


def tail(path, lines=15):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


# -- Fitlock hosts --------------------------------------------------------

class FitlockHost:
    """One fitlockd process playing host ``host_id``."""

    def __init__(self, work, shared, host_id, io_timeout, venv):
        self.host_id = host_id
        self.name = 'fitlock-host%d' % host_id
        self.home = os.path.join(work, self.name)
        os.makedirs(self.home)
        self.fitlockd = os.path.join(venv, 'bin', 'fitlockd')
        self.socket_path = os.path.join(self.home, 'fitlockd.sock')
        self.log_path = os.path.join(self.home, 'fitlockd.log')
        self.config = os.path.join(self.home, 'fitlockd.conf')
        with open(self.config, 'w') as f:
            f.write('[DEFAULT]\nhost = %s\n[fitlock]\ndirectory = %s\n'
                    'host_id = %d\nio_timeout = %s\nwatchdog_timeout = %s\n'
                    'slop = %s\nmax_hosts = %d\nsocket_path = %s\n'
                    'state_dir = %s\nlockspaces =\n'
                    % (self.name, shared, host_id, io_timeout, WATCHDOG,
                       fitlock_slop(io_timeout), MAX_HOSTS,
                       self.socket_path, os.path.join(self.home, 'state')))
        self.proc = None
        self.client = None

    def start(self):
        """Start fitlockd; seconds until it answers on its socket."""
        started = time.monotonic()
        with open(self.log_path, 'ab') as out:
            self.proc = PROCS.add(subprocess.Popen(
                [self.fitlockd, '--config-file', self.config],
                stdout=out, stderr=subprocess.STDOUT))
        deadline = started + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError('%s exited: %s' % (self.name,
                                                    tail(self.log_path)))
            try:
                client = fl_client.Client(self.socket_path, timeout=600)
            except OSError:
                time.sleep(0.005)
                continue
            client.call('ping')
            self.client = client
            return time.monotonic() - started
        raise BenchError('%s did not answer: %s' % (self.name,
                                                    tail(self.log_path)))

    @property
    def pid(self):
        return self.proc.pid

    def call(self, op, **params):
        return self.client.call(op, **params)

    def join(self):
        """Join the lockspace; (seconds, result)."""
        started = time.monotonic()
        result = self.call('join', lockspace=LOCKSPACE)
        return time.monotonic() - started, result

    def acquire(self, resource, pid):
        started = time.monotonic()
        self.call('acquire', lockspace=LOCKSPACE, resource=resource,
                  pid=pid)
        return time.monotonic() - started

    def release(self, resource):
        started = time.monotonic()
        self.call('release', lockspace=LOCKSPACE, resource=resource)
        return time.monotonic() - started

    def status(self):
        for space in self.call('status')['lockspaces']:
            if space['lockspace'] == LOCKSPACE:
                return space
        return None

    def kill(self):
        """SIGKILL the daemon (a crash: no chance to clean up)."""
        if self.client is not None:
            self.client.close()
            self.client = None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


# -- sanlock hosts --------------------------------------------------------

class SanlockHost:
    """One sanlock daemon playing host ``host_id``, and its agent."""

    def __init__(self, work, shared, host_id, io_timeout, clamp_so):
        self.host_id = host_id
        self.name = 'sanlock-host%d' % host_id
        self.io_timeout = io_timeout
        self.lockspace_path = os.path.join(shared, LOCKSPACE + '.lockspace')
        self.run_dir = os.path.join(work, self.name + '-run')
        os.makedirs(self.run_dir)
        user = pwd.getpwnam('sanlock')
        os.chown(self.run_dir, user.pw_uid, user.pw_gid)
        self.log_path = os.path.join(work, self.name + '.log')
        self.env = dict(os.environ, SANLOCK_RUN_DIR=self.run_dir)
        self.daemon_env = dict(self.env, LD_PRELOAD=clamp_so)
        self.agent = PROCS.add(subprocess.Popen(
            ['/usr/bin/python3', os.path.join(HERE, 'sanlock_agent.py')],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=self.env,
            text=True), last=True)
        self.proc = None

    def ask(self, op, **params):
        self.agent.stdin.write(json.dumps(dict(params, op=op)) + '\n')
        self.agent.stdin.flush()
        line = self.agent.stdout.readline()
        if not line:
            raise BenchError('%s agent exited' % self.name)
        reply = json.loads(line)
        if not reply.pop('ok'):
            raise BenchError('%s: %s failed: %s' % (self.name, op,
                                                    reply['error']))
        return reply

    def start(self):
        """Start the daemon; seconds until it answers on its socket."""
        started = time.monotonic()
        with open(self.log_path, 'ab') as out:
            self.proc = PROCS.add(subprocess.Popen(
                ['sanlock', 'daemon', '-D', '-w', '0', '-l', '0', '-L', '-1',
                 '-S', '-1', '-e', self.name],
                stdout=out, stderr=subprocess.STDOUT, env=self.daemon_env))
        deadline = started + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError('%s exited: %s' % (self.name,
                                                    tail(self.log_path)))
            try:
                self.ask('ready')
                return time.monotonic() - started
            except BenchError:
                time.sleep(0.005)
        raise BenchError('%s did not answer: %s' % (self.name,
                                                    tail(self.log_path)))

    @property
    def pid(self):
        return self.proc.pid

    def join(self):
        reply = self.ask('add_lockspace', host_id=self.host_id,
                         path=self.lockspace_path,
                         io_timeout=self.io_timeout)
        return reply['seconds']

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


# -- counting I/O with strace ---------------------------------------------

Event = collections.namedtuple('Event', 'ts kind path nbytes')
LINE = re.compile(r'^(\d+\.\d+) (\w+)\((.*)\) += (-?\d+)')
FD = re.compile(r'^\d+<([^>]*)>')
IOCB = re.compile(r'aio_lio_opcode=IOCB_CMD_(\w+), aio_fildes=\d+<([^>]*)>'
                  r'.*?aio_nbytes=(\d+)')


class Trace:
    """strace -f of one daemon: every read, write and sync it makes."""

    def __init__(self, pid, out_dir):
        self.out_dir = out_dir
        os.makedirs(out_dir)
        self.stderr = open(os.path.join(out_dir, 'strace.err'), 'wb')
        # -ff: one file per thread, so no call is split across lines.
        self.proc = PROCS.add(subprocess.Popen(
            ['strace', '-f', '-ff', '-ttt', '-y', '-s', '8', '-e',
             'trace=' + SYSCALLS, '-o', os.path.join(out_dir, 't'),
             '-p', str(pid)], stdout=subprocess.DEVNULL,
            stderr=self.stderr))
        # Wait until strace has attached (it reports each thread).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with open(os.path.join(out_dir, 'strace.err'), 'rb') as f:
                if b'attached' in f.read():
                    break
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(signal.SIGINT)
        self.proc.wait(30)
        self.stderr.close()
        return self.events()

    def events(self):
        events = []
        for name in os.listdir(self.out_dir):
            if not name.startswith('t.'):
                continue
            with open(os.path.join(self.out_dir, name),
                      errors='replace') as f:
                for line in f:
                    events.extend(_parse(line))
        events.sort()
        return events


def _parse(line):
    m = LINE.match(line)
    if not m:
        return []
    ts, name, args, ret = float(m[1]), m[2], m[3], int(m[4])
    if ret < 0:
        return []
    if name == 'io_submit':
        out = []
        for op, path, nbytes in IOCB.findall(args)[:ret]:
            kind = ('read' if 'PREAD' in op else
                    'write' if 'PWRITE' in op else 'other')
            out.append(Event(ts, kind, path, int(nbytes)))
        return out
    fd = FD.match(args)
    path = fd[1] if fd else ''
    if name in READS:
        return [Event(ts, 'read', path, ret)]
    if name in WRITES:
        return [Event(ts, 'write', path, ret)]
    if name in SYNCS:
        return [Event(ts, 'sync', path, 0)]
    return []


def per_renewal(events, shared, lockspace_file, own_log):
    """I/O per renewal cycle, between the first and last write of the
    daemon's own delta slot (each renewal writes it exactly once)."""
    prefix = shared + '/'
    slot_writes = [e.ts for e in events if e.kind == 'write' and
                   e.path == lockspace_file]
    if len(slot_writes) < 2:
        raise BenchError('fewer than two renewals traced in %s'
                         % lockspace_file)
    first, last = slot_writes[0], slot_writes[-1]
    cycles = len(slot_writes) - 1
    window = [e for e in events if first < e.ts <= last]
    shared_io = [e for e in window if e.path.startswith(prefix) and
                 e.kind in ('read', 'write')]
    local_writes = [e for e in window if e.kind == 'write' and
                    e.path.startswith('/') and
                    not e.path.startswith(prefix) and
                    e.path != own_log and
                    not e.path.startswith(('/dev/', '/proc/'))]
    local_syncs = [e for e in window if e.kind == 'sync' and
                   not e.path.startswith(prefix)]
    return {
        'renewals': cycles,
        'seconds': (last - first) / cycles,
        'ops': len(shared_io) / cycles,
        'reads': sum(e.kind == 'read' for e in shared_io) / cycles,
        'writes': sum(e.kind == 'write' for e in shared_io) / cycles,
        'bytes': sum(e.nbytes for e in shared_io) / cycles,
        'local_write_bytes': sum(e.nbytes for e in local_writes) / cycles,
        'local_syncs': len(local_syncs) / cycles,
    }


def shared_ops(events, shared, lockspace_file, renewal_ops):
    """Shared-storage I/O in a traced window, less its renewals' share."""
    prefix = shared + '/'
    shared_io = [e for e in events if e.path.startswith(prefix) and
                 e.kind in ('read', 'write')]
    renewals = sum(e.kind == 'write' and e.path == lockspace_file
                   for e in shared_io)
    return len(shared_io) - renewals * renewal_ops


# -- statistics -----------------------------------------------------------

def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100.0 * len(ordered)) - 1)]


# -- the benchmark --------------------------------------------------------

class Bench:

    def __init__(self, args):
        self.args = args
        self.n = args.io_timeout
        self.quick = args.quick
        self.samples = 30 if args.quick else 200
        self.held = 100 if args.quick else 1000
        self.renewals = 3 if args.quick else 10
        self.rows = []
        self.failed = []
        self.notes = []
        self.load_start = os.getloadavg()[0]

    # results --------------------------------------------------------

    def row(self, figure, fitlock, sanlock, unit, goal='', ok=None,
            fmt='%.3f'):
        def show(v):
            if v is None:
                return '-'
            if isinstance(v, str):
                return v
            return (fmt % v) + (' ' + unit if unit else '')
        ratio = ''
        if isinstance(fitlock, (int, float)) and \
                isinstance(sanlock, (int, float)) and sanlock:
            ratio = 'x%.2f' % (fitlock / sanlock)
        verdict = '' if ok is None else ('pass' if ok else 'FAIL')
        if ok is False:
            self.failed.append(figure)
        self.rows.append((figure, show(fitlock), show(sanlock), ratio, goal,
                          verdict))
        log('%s: fitlock %s, sanlock %s %s %s' % (figure, show(fitlock),
                                                  show(sanlock), ratio,
                                                  verdict))

    def print_table(self):
        head = ('figure', 'fitlock', 'sanlock', 'ratio', 'goal', 'result')
        widths = [max(len(str(r[i])) for r in self.rows + [head])
                  for i in range(len(head))]
        line = '  '.join('%%-%ds' % w for w in widths)
        print()
        print('Fitlock vs sanlock: io_timeout N = %d s, W = %d s, '
              'H = 8N + W = %d s, %d host slots, %s held leases'
              % (self.n, WATCHDOG, FAIL_FACTOR * self.n + WATCHDOG,
                 MAX_HOSTS, self.held))
        print('ratio = fitlock / sanlock (below 1: Fitlock is faster or '
              'does less I/O)')
        print('load average (1 min) at start %.2f, at end %.2f on %d CPUs: '
              'latencies are from this machine as it was'
              % (self.load_start, os.getloadavg()[0], os.cpu_count()))
        print()
        print(line % head)
        print(line % tuple('-' * w for w in widths))
        for r in self.rows:
            print(line % r)
        for note in self.notes:
            print('note: ' + note)
        print()
        if self.failed:
            print('GOALS MISSED: ' + '; '.join(self.failed))
        else:
            print('All goals met.')

    # setup ----------------------------------------------------------

    def setup(self):
        args = self.args
        self.work = tempfile.mkdtemp(prefix='fitlock-vs-sanlock-',
                                     dir=args.dir)
        os.chmod(self.work, 0o755)
        log('work folder %s (%s)' % (self.work, _fs_type(self.work)))
        self.fl_shared = os.path.join(self.work, 'shared', 'fitlock')
        self.sl_shared = os.path.join(self.work, 'shared', 'sanlock')
        os.makedirs(self.fl_shared)
        os.makedirs(self.sl_shared)
        user = pwd.getpwnam('sanlock')
        for path in (os.path.dirname(self.sl_shared), self.sl_shared):
            os.chown(path, user.pw_uid, user.pw_gid)
        self.clamp_so = os.path.join(self.work, 'clamp_rlimit.so')
        subprocess.run(['gcc', '-shared', '-fPIC', '-O2', '-Wall', '-o',
                        self.clamp_so,
                        os.path.join(HERE, 'clamp_rlimit.c')], check=True)
        self.holder = PROCS.add(subprocess.Popen(
            ['sleep', 'infinity']), last=True)

        # Fitlock: the lockspace file, made by its own CLI.
        conf = os.path.join(self.work, 'fitlock-init.conf')
        with open(conf, 'w') as f:
            f.write('[fitlock]\ndirectory = %s\nio_timeout = %s\n'
                    % (self.fl_shared, self.n))
        subprocess.run([os.path.join(args.venv, 'bin', 'fitlock'),
                        '--config-file', conf, 'init', LOCKSPACE,
                        '--max-hosts', str(MAX_HOSTS)], check=True,
                       stdout=subprocess.DEVNULL)
        self.fl_lockspace = fl_storage.lockspace_path(self.fl_shared,
                                                      LOCKSPACE)
        self.fl = [FitlockHost(self.work, self.fl_shared, h, self.n,
                               args.venv) for h in (1, 2)]

        # sanlock: the lockspace and every lease area, 4 KiB sectors.
        self.sl = [SanlockHost(self.work, self.sl_shared, h, self.n,
                               self.clamp_so) for h in (1, 2)]
        self.sl_lockspace = self.sl[0].lockspace_path
        for host in self.fl + self.sl:
            host.start()
        log('fitlockd pids %s, sanlock daemon pids %s'
            % ([h.pid for h in self.fl], [h.pid for h in self.sl]))

        self.lat_names = ['lat-%d' % i for i in range(self.samples)]
        self.held_names = ['held-%d' % i for i in range(self.held)]
        names = self.lat_names + self.held_names + ['restart', 'takeover']
        self._make_file(self.sl_lockspace, user)
        self.sl[0].ask('write_lockspace', path=self.sl_lockspace,
                       io_timeout=self.n)
        leases = os.path.join(self.sl_shared, 'leases')
        os.mkdir(leases)
        os.chown(leases, user.pw_uid, user.pw_gid)
        for name in names:
            self._make_file(self.sl_path(name), user)
        reply = self.sl[0].ask('write_resources', names=names,
                               paths=[self.sl_path(n) for n in names])
        # Fitlock makes a lease file on first use; make them now, as
        # fitlockd would, so neither side's timing includes preparation.
        for name in names:
            os.close(fl_storage._create_lease_file(self._fl_path(name),
                                                   MAX_HOSTS))
        log('prepared %d lease areas on each side (sanlock write_resource '
            '%.1f s)' % (len(names), reply['seconds']))

    def sl_path(self, name):
        return os.path.join(self.sl_shared, 'leases', name)

    def _fl_path(self, name):
        return os.path.join(fl_storage.leases_dir(self.fl_shared, LOCKSPACE),
                            name + fl_storage.LEASE_SUFFIX)

    @staticmethod
    def _make_file(path, user):
        open(path, 'w').close()
        os.chown(path, user.pw_uid, user.pw_gid)

    def teardown(self):
        PROCS.end_all()
        if self.args.keep:
            log('kept %s' % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # figures --------------------------------------------------------

    def parallel(self, *calls):
        """Run callables at once; their results (exceptions re-raised)."""
        results = [None] * len(calls)
        errors = []

        def run(i, call):
            try:
                results[i] = call()
            except BaseException as e:  # noqa: BLE001 - re-raised below
                errors.append(e)
        threads = [threading.Thread(target=run, args=(i, c))
                   for i, c in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return results

    def join_fresh(self):
        log('joining (fresh lockspaces)')
        (fl, result), sl = self.parallel(self.fl[0].join, self.sl[0].join)
        if result['resumed'] or result['generation'] != 1:
            raise BenchError('fitlock fresh join was not fresh: %s' % result)
        self.parallel(self.fl[1].join, self.sl[1].join)
        self.row('join, fresh lockspace', fl, sl, 's')
        self.sl[0].ask('register')
        self.sl[1].ask('register')

    def join_after_restart(self):
        log('killing and restarting host 1 daemons with a lease held')
        fl, sl = self.fl[0], self.sl[0]
        fl.acquire('restart', self.holder.pid)
        sl.ask('acquire_many', names=['restart'],
               paths=[self.sl_path('restart')])
        # Kill fitlockd half-way between two renewals (see README: a kill
        # just after a renewal write could hit the resume bug noted there).
        deadline = time.monotonic() + 4 * self.n + 5
        while time.monotonic() < deadline:
            age = fl.status()['renewal_age']
            if 0.8 * self.n <= age <= 1.2 * self.n:
                break
            time.sleep(0.02)
        fl.kill()
        up = fl.start()
        fl_join, result = fl.join()
        fl_total = up + fl_join
        if not result['resumed']:
            self.notes.append('fitlockd did not resume after the restart: '
                              '%s' % result)
        fl_kept = self._fitlock_kept()

        sl.kill()
        sl_up = sl.start()
        sl_join = sl.join()
        sl_total = sl_up + sl_join
        sl.ask('register')
        sl_kept = self._sanlock_kept()

        self.row('join after daemon restart (join call)', fl_join, sl_join,
                 's', goal='fitlock < 1 s', ok=fl_join < 1.0)
        self.row('  restart to joined (daemon start + join)', fl_total,
                 sl_total, 's')
        self.row('  lease held across the restart', 'kept' if fl_kept
                 else 'lost', 'kept' if sl_kept else 'lost', '')

    def _fitlock_kept(self):
        try:
            self.fl[1].acquire('restart', self.holder.pid)
        except fl_client.RemoteError:
            self.fl[0].release('restart')
            return True
        self.fl[1].release('restart')
        return False

    def _sanlock_kept(self):
        reply = self.sl[1].ask('try_acquire', name='restart',
                               path=self.sl_path('restart'))
        if reply['acquired']:
            self.sl[1].ask('release_many', names=['restart'],
                           paths=[self.sl_path('restart')])
            return False
        return True

    def latency(self):
        log('acquire/release latency over %d leases each' % self.samples)
        fl, sl = self.fl[0], self.sl[0]
        fl_acq, fl_rel, sl_acq, sl_rel = [], [], [], []
        rounds = 4
        chunk = math.ceil(len(self.lat_names) / rounds)
        for r in range(rounds):
            names = self.lat_names[r * chunk:(r + 1) * chunk]
            # Alternate which side goes first, so neither always runs
            # right after the other's burst of I/O.
            order = (0, 1) if r % 2 == 0 else (1, 0)
            for side in order:
                if side == 0:
                    for name in names:
                        fl_acq.append(fl.acquire(name, self.holder.pid))
                        fl_rel.append(fl.release(name))
                else:
                    reply = sl.ask('cycle', names=names,
                                   paths=[self.sl_path(n) for n in names])
                    sl_acq.extend(reply['acquire'])
                    sl_rel.extend(reply['release'])
        ms = 1000.0
        fm, sm = statistics.median(fl_acq) * ms, statistics.median(sl_acq) * ms
        f99, s99 = percentile(fl_acq, 99) * ms, percentile(sl_acq, 99) * ms
        self.row('acquire latency, median', fm, sm, 'ms',
                 goal='fitlock <= sanlock', ok=fm <= sm)
        self.row('acquire latency, p99', f99, s99, 'ms',
                 goal='fitlock <= sanlock', ok=f99 <= s99)
        self.row('release latency, median',
                 statistics.median(fl_rel) * ms,
                 statistics.median(sl_rel) * ms, 'ms')
        self.row('release latency, p99', percentile(fl_rel, 99) * ms,
                 percentile(sl_rel, 99) * ms, 'ms')

    def acquire_io(self, renewal):
        """Shared I/O operations of one acquire plus its release."""
        count = 10 if self.quick else 20
        names = self.lat_names[:count]
        fl, sl = self.fl[0], self.sl[0]
        trace = Trace(fl.pid, os.path.join(self.work, 'trace-fl-acquire'))
        for name in names:
            fl.acquire(name, self.holder.pid)
            fl.release(name)
        fl_ops = shared_ops(trace.stop(), self.fl_shared, self.fl_lockspace,
                            renewal['fitlock']['ops'])
        trace = Trace(sl.pid, os.path.join(self.work, 'trace-sl-acquire'))
        sl.ask('cycle', names=names, paths=[self.sl_path(n) for n in names])
        sl_ops = shared_ops(trace.stop(), self.sl_shared, self.sl_lockspace,
                            renewal['sanlock']['ops'])
        self.row('I/O operations per acquire + release', fl_ops / count,
                 sl_ops / count, '', fmt='%.1f')

    def renewal_io(self, label):
        """Trace both host-1 daemons over the same renewals."""
        seconds = (self.renewals + 1) * 2 * self.n + 0.5 * self.n
        log('tracing renewals for %.0f s (%s)' % (seconds, label))
        fl_trace = Trace(self.fl[0].pid,
                         os.path.join(self.work, 'trace-fl-' + label))
        sl_trace = Trace(self.sl[0].pid,
                         os.path.join(self.work, 'trace-sl-' + label))
        time.sleep(seconds)
        fl = per_renewal(fl_trace.stop(), self.fl_shared, self.fl_lockspace,
                         self.fl[0].log_path)
        sl = per_renewal(sl_trace.stop(), self.sl_shared, self.sl_lockspace,
                         self.sl[0].log_path)
        log('fitlock %s; sanlock %s' % (fl, sl))
        return {'fitlock': fl, 'sanlock': sl}

    def held_leases(self):
        fl, sl = self.fl[0], self.sl[0]
        first = self.held_names[0]
        fl.acquire(first, self.holder.pid)
        sl.ask('acquire_many', names=[first], paths=[self.sl_path(first)])
        one = self.renewal_io('1-lease')
        self.acquire_io(one)

        rest = self.held_names[1:]
        log('acquiring %d more leases on each side' % len(rest))
        fl_times = [fl.acquire(name, self.holder.pid) for name in rest]
        sl_times = sl.ask('acquire_many', names=rest,
                          paths=[self.sl_path(n) for n in rest])['seconds']
        if len(fl.status()['leases']) != self.held:
            raise BenchError('fitlock does not hold %d leases' % self.held)
        many = self.renewal_io('%d-leases' % self.held)

        last = min(100, len(rest))
        self.row('acquire latency, median of the last %d of %d' % (
            last, self.held), statistics.median(fl_times[-last:]) * 1000,
            statistics.median(sl_times[-last:]) * 1000, 'ms')
        for key, figure, fmt in (
                ('ops', 'I/O operations per renewal', '%.2f'),
                ('bytes', 'shared bytes per renewal', '%.0f'),
                ('local_write_bytes', 'local file bytes written per renewal',
                 '%.0f'),
                ('local_syncs', 'local fsyncs per renewal', '%.2f')):
            for label, data in (('1 lease', one), ('%d leases' % self.held,
                                                   many)):
                ok, goal = None, ''
                if key == 'ops' and data is many:
                    base = one['fitlock']['ops']
                    goal = 'fitlock = its 1-lease figure'
                    ok = data['fitlock']['ops'] <= base * 1.001
                self.row('%s, %s' % (figure, label), data['fitlock'][key],
                         data['sanlock'][key], '', goal=goal, ok=ok, fmt=fmt)
        log('releasing the held leases')
        fl_rel = [fl.release(name) for name in self.held_names]
        sl_rel = sl.ask('release_many', names=self.held_names,
                        paths=[self.sl_path(n) for n in self.held_names])
        self.row('release latency, median of %d held' % self.held,
                 statistics.median(fl_rel) * 1000,
                 statistics.median(sl_rel['seconds']) * 1000, 'ms')

    def takeover(self):
        h = FAIL_FACTOR * self.n + WATCHDOG
        log('takeover: killing both host-1 daemons; host 2 polls every '
            '%.1f s (H = %d s)' % (POLL, h))
        fl1, fl2, sl1, sl2 = self.fl[0], self.fl[1], self.sl[0], self.sl[1]
        fl1.acquire('takeover', self.holder.pid)
        sl1.ask('acquire_many', names=['takeover'],
                paths=[self.sl_path('takeover')])
        deadline = time.monotonic() + h + 8 * self.n + 60

        def fitlock_poll():
            while time.monotonic() < deadline:
                try:
                    fl2.acquire('takeover', self.holder.pid)
                    return time.monotonic()
                except fl_client.RemoteError:
                    time.sleep(POLL)
            return None

        def sanlock_poll():
            return sl2.ask('poll_acquire', name='takeover',
                           path=self.sl_path('takeover'), interval=POLL,
                           deadline=deadline)['acquired_at']

        fl_killed = time.monotonic()
        fl1.kill()
        sl_killed = time.monotonic()
        sl1.kill()
        fl_at, sl_at = self.parallel(fitlock_poll, sanlock_poll)
        fl = fl_at - fl_killed if fl_at else None
        sl = sl_at - sl_killed if sl_at else None
        self.row('takeover after SIGKILL of the owner\'s daemon', fl, sl,
                 's', goal='both take over (H = %d s)' % h,
                 ok=fl is not None and sl is not None, fmt='%.1f')

    def run(self):
        try:
            self.setup()
            self.join_fresh()
            self.join_after_restart()
            self.latency()
            self.held_leases()
            if self.quick:
                self.notes.append('--quick: takeover not measured')
            else:
                self.takeover()
        except (BenchError, fl_client.RemoteError, OSError,
                subprocess.SubprocessError) as e:
            log('ERROR: %s: %s' % (type(e).__name__, e))
            self.failed.append('error: %s' % e)
        finally:
            self.teardown()
        self.print_table()
        return 1 if self.failed else 0


def _fs_type(path):
    out = subprocess.run(['findmnt', '-n', '-o', 'FSTYPE', '-T', path],
                         capture_output=True, text=True)
    return out.stdout.strip() or 'unknown file system'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--io-timeout', type=int, default=1,
                        help='io_timeout N in seconds, both (default 1)')
    parser.add_argument('--quick', action='store_true',
                        help='fewer leases, 3 renewals, no takeover')
    parser.add_argument('--venv', required=True,
                        help='HaStack venv with fitlockd')
    parser.add_argument('--dir', default=None,
                        help='where to make the temporary folder')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary folder (logs, traces)')
    args = parser.parse_args()
    if args.io_timeout < 1:
        parser.error('--io-timeout must be at least 1 (sanlock counts '
                     'whole seconds)')
    log('Fitlock vs sanlock; kernel %s; sanlock %s; fitlockd from %s'
        % (platform.release(), _sanlock_version(), args.venv))
    return Bench(args).run()


def _sanlock_version():
    out = subprocess.run(['sanlock', 'version'], capture_output=True,
                         text=True)
    return (out.stdout or out.stderr).strip()


if __name__ == '__main__':
    sys.exit(main())
