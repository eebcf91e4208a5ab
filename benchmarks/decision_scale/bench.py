"""Scale of HaStack's decision path, on one machine, in one run.

Started by ``run`` (next to this file), which installs what is missing and
runs this under HaStack's venv. For each size (100, 1,000 and 10,000
hosts; 10 HA instances per host):

* three real etcd clusters (Debian's etcd-server, one per plane, loopback
  ports, data in a temporary folder) hold one heartbeat key per host and
  plane, as hastack-agent writes it, under a few shared leases; a host
  whose plane is "down" simply has no key there;
* a MariaDB database of its own (``hastack_scale_<random>``, made with
  ``hastack-manage db sync`` and dropped at the end) holds the hosts and
  instances;
* a conductor process (``bench.py cycle``) builds the real
  :class:`hastack.conductor.service.Conductor` and runs what its leader
  loop runs every monitor interval (inbox, ha_maintenance, monitor,
  decider) through the loop's own ``_guarded``; per-cycle CPU
  (``time.process_time``, the whole process) and wall time, and the
  process's peak RSS (VmHWM);
* the real API (``hastack.wsgi.api:application``) under gunicorn (2
  workers x 2 threads), with clients on ``GET /v1/hosts`` and ``GET
  /v1/instances``: the goal is checked on pages of 100 (``?limit=100``)
  from one client per request thread (4); the default page of 1,000
  from those 4 clients and from 16, and one client alone, are printed
  too, without a goal.

See benchmarks/README.md for what each figure means.
"""

import argparse
import base64
import concurrent.futures
import http.client
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
PLANES = ('mgmt', 'service', 'storage')
PLANE_GROUPS = {'mgmt': 'plane_mgmt', 'service': 'plane_service',
                'storage': 'plane_storage'}
SIZES = (100, 1000, 10000)
QUICK_SIZES = (100, 1000)
INSTANCES_PER_HOST = 10
GOAL_HOSTS = 10000
GOAL_CYCLE_CPU = 1.0       # s
GOAL_RSS = 500.0           # MB
GOAL_P99 = 100.0           # ms
GOAL_PAGE = 100            # ?limit=100: the page a paging client asks for
DEFAULT_PAGE = 1000        # [api] max_limit: the page without ?limit
ALONE_REQUESTS = 50        # one client alone, per list and page
HEARTBEAT_TTL = 60         # 3 x the default 20 s heartbeat interval
LEASES_PER_PLANE = 8       # "a few leases shared by many keys"
TXN_OPS = 128              # etcd's default --max-txn-ops
DB_SERVER = 'mysql+pymysql://root@127.0.0.1:3306/'
HEADERS = {'X-Roles': 'admin', 'X-Project-Id': 'bench',
           'X-User-Id': 'bench', 'Connection': 'keep-alive'}
# Planes missing per host: the mix (shares of the hosts). With the
# default strategy: storage down -> recover (waits for grace), mgmt or
# service down alone -> no recover, all down -> recover (waits).
MIX = ((0.02, ('storage',)), (0.01, ('mgmt',)), (0.005, ('service',)),
       (0.003, ('mgmt', 'service', 'storage')))
MAINTENANCE_SHARE = 0.01
HA_DISABLED_SHARE = 0.01
STORAGE_BAD_SHARE = 0.002  # heartbeats say the shared folder fails

T0 = time.monotonic()


class BenchError(Exception):
    """A figure could not be measured."""


def log(message):
    print('[%6.1f s] %s' % (time.monotonic() - T0, message), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def percentile(values, p):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100.0 * len(ordered)) - 1)]


def loadavg():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


def tail(path, lines=20):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


def stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """End one process we started, by its pid."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)


# -- etcd ------------------------------------------------------------------

def _b64(text):
    return base64.b64encode(text.encode()).decode()


class Etcd:
    """One single-member cluster of Debian's etcd on loopback."""

    def __init__(self, work, plane):
        self.plane = plane
        self.folder = os.path.join(work, 'etcd-' + plane)
        os.makedirs(self.folder)
        self.log_path = os.path.join(self.folder, 'etcd.log')
        self.proc = None
        self.port = None
        self.leases = []

    def start(self):
        for _ in range(5):
            self.port, peer = free_port(), free_port()
            url = 'http://127.0.0.1:%d' % self.port
            purl = 'http://127.0.0.1:%d' % peer
            with open(self.log_path, 'ab') as out:
                self.proc = subprocess.Popen(
                    ['etcd', '--name', self.plane,
                     '--data-dir', os.path.join(self.folder, 'data'),
                     '--listen-client-urls', url,
                     '--advertise-client-urls', url,
                     '--listen-peer-urls', purl,
                     '--initial-advertise-peer-urls', purl,
                     '--initial-cluster', '%s=%s' % (self.plane, purl),
                     '--initial-cluster-state', 'new',
                     '--initial-cluster-token', 'bench-' + self.plane,
                     '--log-level', 'warn', '--logger', 'zap'],
                    stdout=out, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    if '"health":"true"' in self.request('GET', '/health'):
                        return
                except OSError:
                    pass
                time.sleep(0.1)
            stop_process(self.proc)
            shutil.rmtree(os.path.join(self.folder, 'data'),
                          ignore_errors=True)
        raise BenchError('etcd %s did not start: %s'
                         % (self.plane, tail(self.log_path)))

    @property
    def endpoint(self):
        return 'http://127.0.0.1:%d' % self.port

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=30)
        try:
            conn.request(method, path, body=None if body is None
                         else json.dumps(body))
            resp = conn.getresponse()
            text = resp.read().decode()
            if resp.status != 200:
                raise BenchError('etcd %s %s: %d %s' % (
                    self.plane, path, resp.status, text[:200]))
            return text
        finally:
            conn.close()

    def call(self, path, body):
        return json.loads(self.request('POST', '/v3/' + path, body))

    def reset(self):
        """Drop every key and lease of an earlier size."""
        for lease in self.leases:
            self.call('lease/revoke', {'ID': lease})
        self.leases = []
        self.call('kv/deleterange', {'key': _b64('\0'),
                                     'range_end': _b64('\0')})

    def heartbeats(self, values):
        """Put ``{host: value}`` under a few shared leases, in
        transactions of etcd's default maximum size."""
        self.leases = [self.call('lease/grant', {'TTL': HEARTBEAT_TTL})['ID']
                       for _ in range(LEASES_PER_PLANE)]
        ops = [{'request_put': {
            'key': _b64('/hastack/hosts/%s/heartbeat' % host),
            'value': _b64(value),
            'lease': self.leases[i % len(self.leases)]}}
            for i, (host, value) in enumerate(sorted(values.items()))]
        for start in range(0, len(ops), TXN_OPS):
            self.call('kv/txn', {'success': ops[start:start + TXN_OPS]})

    def keepalive(self):
        for lease in self.leases:
            self.call('lease/keepalive', {'ID': lease})

    def count(self, prefix):
        doc = self.call('kv/range', {
            'key': _b64(prefix), 'range_end': _b64(prefix[:-1] + chr(
                ord(prefix[-1]) + 1)), 'count_only': True})
        return int(doc.get('count', 0))

    def rss_mb(self):
        return _vm(self.proc.pid, 'VmRSS')


def _vm(pid, field):
    """A /proc/<pid>/status figure in MB."""
    with open('/proc/%d/status' % pid) as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    return 0.0


# -- the cloud of one size -------------------------------------------------

def make_mix(hosts, seed):
    """Per host: missing planes, maintenance, ha_enabled, storage_ok."""
    rng = random.Random(seed)
    names = ['compute-%05d' % i for i in range(hosts)]
    order = names[:]
    rng.shuffle(order)
    down, pos = {}, 0
    for share, planes in MIX:
        n = max(1, round(share * hosts))
        for name in order[pos:pos + n]:
            down[name] = planes
        pos += n
    rest = order[pos:]
    maint = set(rest[:max(1, round(MAINTENANCE_SHARE * hosts))])
    rest = rest[len(maint):]
    disabled = set(rest[:max(1, round(HA_DISABLED_SHARE * hosts))])
    rest = rest[len(disabled):]
    storage_bad = set(rest[:max(1, round(STORAGE_BAD_SHARE * hosts))])
    return names, down, maint, disabled, storage_bad


class Cloud:
    """The database, the configuration and the heartbeats of one size."""

    def __init__(self, bench, hosts):
        self.bench = bench
        self.hosts = hosts
        self.db_name = 'hastack_scale_%s' % uuid.uuid4().hex[:10]
        self.url = DB_SERVER + self.db_name + '?charset=utf8mb4'
        self.config = os.path.join(bench.work, 'hastack-%d.conf' % hosts)
        self.mix = make_mix(hosts, hosts)

    def write_config(self, api_port):
        lines = [
            '[DEFAULT]',
            'state_path = %s' % self.bench.work,
            'host = bench-conductor',
            'transport_url = rabbit://guest:guest@127.0.0.1:5672/',
            'use_stderr = true',
            'debug = false',
            'default_log_levels = hastack=WARNING,sqlalchemy=WARNING,'
            'oslo_db=WARNING,amqp=WARNING,oslo.messaging=WARNING',
            '[database]',
            'connection = %s' % self.url,
            'max_pool_size = 10',
            '[api]',
            'auth_strategy = noauth',
            'host_ip = 127.0.0.1',
            'port = %d' % api_port,
            '[ha]',
            # Suspect hosts keep waiting: every measured cycle decides
            # the same way (no recovery starts during the run).
            'grace_period = 3600',
        ]
        for plane in PLANES:
            lines += ['[%s]' % PLANE_GROUPS[plane],
                      'endpoints = %s' % self.bench.etcd[plane].endpoint]
        with open(self.config, 'w') as f:
            f.write('\n'.join(lines) + '\n')

    def create(self):
        import sqlalchemy as sa
        admin = sa.create_engine(DB_SERVER, isolation_level='AUTOCOMMIT')
        with admin.connect() as conn:
            conn.execute(sa.text('CREATE DATABASE %s CHARACTER SET utf8mb4'
                                 % self.db_name))
        admin.dispose()
        self.bench.databases.append(self.db_name)
        out = subprocess.run(
            [self.bench.bin('hastack-manage'), '--config-file', self.config,
             'db', 'sync'], capture_output=True, text=True, timeout=300)
        if out.returncode:
            raise BenchError('db sync failed: %s%s' % (out.stdout,
                                                       out.stderr))
        self._rows()

    def _rows(self):
        """Hosts as the API registers them (active, planes unknown) and
        their instances, inserted in bulk."""
        import sqlalchemy as sa

        from hastack.db import models
        names, down, maint, disabled, _ = self.mix
        now = datetime_now()
        hosts = [{
            'uuid': str(uuid.uuid4()), 'name': name,
            'state': 'maintenance' if name in maint else 'active',
            'state_since': now, 'ha_enabled': name not in disabled,
            'maintenance': name in maint,
            'maintenance_reason': 'bench' if name in maint else None,
            'mgmt_status': 'unknown', 'service_status': 'unknown',
            'storage_status': 'unknown', 'created_at': now}
            for name in names]
        rng = random.Random(self.hosts + 1)
        statuses = ['ACTIVE'] * 90 + ['SHUTOFF'] * 6 + ['ERROR'] * 4
        instances = []
        for i in range(self.hosts * INSTANCES_PER_HOST):
            instances.append({
                'uuid': str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                'name': 'vm-%06d' % i,
                'project_id': 'project-%03d' % (i % 100),
                'host': names[i // INSTANCES_PER_HOST],
                'status': rng.choice(statuses), 'ha_enabled': True,
                'priority': rng.randrange(0, 10),
                'created_at': now - _seconds(self.hosts *
                                             INSTANCES_PER_HOST - i)})
        engine = sa.create_engine(self.url)
        with engine.begin() as conn:
            conn.execute(models.Host.__table__.insert(), hosts)
            for start in range(0, len(instances), 5000):
                conn.execute(models.Instance.__table__.insert(),
                             instances[start:start + 5000])
        engine.dispose()

    def heartbeats(self):
        from hastack import version
        names, down, _, _, storage_bad = self.mix
        stamp = datetime_now().isoformat()
        for plane in PLANES:
            etcd = self.bench.etcd[plane]
            etcd.reset()
            etcd.heartbeats({
                name: json.dumps({
                    'host': name, 'agent_version': version.version_string,
                    'time': stamp, 'storage_ok': name not in storage_bad})
                for name in names if plane not in down.get(name, ())})
            expected = sum(1 for n in names if plane not in down.get(n, ()))
            got = etcd.count('/hastack/hosts/')
            if got != expected:
                raise BenchError('plane %s holds %d heartbeats, not %d'
                                 % (plane, got, expected))

    def expected_actions(self):
        """What the decider should answer for the mix."""
        names, down, maint, disabled, _ = self.mix
        counts = {}
        for name in names:
            missing = down.get(name, ())
            if not missing:
                action = 'none'
            elif missing in (('mgmt',), ('service',)):
                action = 'no_recover'
            elif name in maint or name in disabled:
                action = 'blocked'
            else:
                action = 'wait'
            counts[action] = counts.get(action, 0) + 1
        return counts


def datetime_now():
    import datetime
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def _seconds(n):
    import datetime
    return datetime.timedelta(seconds=n)


# -- the API ---------------------------------------------------------------

class Api:
    """hastack.wsgi.api:application under gunicorn."""

    def __init__(self, bench, cloud, port):
        self.bench, self.cloud, self.port = bench, cloud, port
        self.log_path = os.path.join(bench.work, 'api-%d.log' % cloud.hosts)
        self.proc = None

    def start(self):
        env = dict(os.environ, HASTACK_CONFIG_FILES=self.cloud.config)
        argv = [self.bench.bin('gunicorn'),
                '--bind', '127.0.0.1:%d' % self.port,
                '--workers', str(self.bench.args.api_workers),
                '--threads', str(self.bench.args.api_threads),
                '--worker-class', 'gthread', '--keep-alive', '30',
                '--timeout', '120', '--log-level', 'warning']
        if self.bench.gunicorn_control_socket:
            argv.append('--no-control-socket')
        argv.append('hastack.wsgi.api:application')
        with open(self.log_path, 'ab') as out:
            self.proc = subprocess.Popen(argv, stdout=out,
                                         stderr=subprocess.STDOUT, env=env,
                                         cwd=self.bench.work)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError('gunicorn exited: %s' % tail(self.log_path))
            try:
                status, _ = self.get('/healthcheck')
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError('the API did not answer: %s' % tail(self.log_path))

    def stop(self):
        stop_process(self.proc)

    def get(self, path, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection('127.0.0.1', self.port,
                                                  timeout=60)
        try:
            conn.request('GET', path, headers=HEADERS)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            if own:
                conn.close()

    def load(self, path, requests, clients):
        """``requests`` GETs of ``path`` from ``clients`` threads, each on
        its own keep-alive connection; returns the latencies (ms) and the
        requests per second."""
        lock = threading.Lock()
        left = [requests]
        latencies, errors = [], []

        def client():
            conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                              timeout=60)
            try:
                while True:
                    with lock:
                        if left[0] <= 0:
                            return
                        left[0] -= 1
                    t = time.perf_counter()
                    try:
                        status, _ = self.get(path, conn)
                    except (OSError, http.client.HTTPException) as e:
                        conn.close()
                        errors.append(str(e))
                        continue
                    ms = (time.perf_counter() - t) * 1000
                    if status != 200:
                        errors.append('HTTP %d' % status)
                    with lock:
                        latencies.append(ms)
            finally:
                conn.close()

        start = time.perf_counter()
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            for f in [pool.submit(client) for _ in range(clients)]:
                f.result()
        elapsed = time.perf_counter() - start
        if errors:
            raise BenchError('%s: %d failed requests (%s)'
                             % (path, len(errors), errors[0]))
        return latencies, len(latencies) / elapsed


# -- the conductor process (``bench.py cycle``) ----------------------------

def cycle_main(args):
    """Run in a process of its own: build the conductor and run its leader
    loop's monitor-interval work ``warmup + cycles`` times."""
    from hastack.common import service_backend
    # As hastack.cmd does: the threading backend before oslo.service loads.
    service_backend.use_threading()
    from oslo_log import log as logging

    from hastack import conf
    from hastack.conductor import service

    conf_ = conf.CONF
    logging.register_options(conf_)
    conf_(['--config-file', args.config], project='hastack')
    logging.setup(conf_, 'hastack-conductor')
    conductor = service.Conductor(conf_)
    failed = []
    actions = {}

    def decider(context):
        actions.clear()
        actions.update(conductor.decider.run_once(context))

    # NOTE: the order and the guard of Conductor._leader_loop: the inbox,
    # ha_maintenance, then the monitor and, when it worked, the decider.
    steps = (('inbox', conductor.keymessages.poll_inbox),
             ('maintenance', conductor._publish_maintenance),
             ('monitor', conductor.monitor.run_once),
             ('decider', decider))
    cycles = []
    for _ in range(args.warmup + args.cycles):
        parts = {}
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for name, func in steps:
            c, w = time.process_time(), time.perf_counter()
            if not conductor._guarded(name, func):
                failed.append(name)
                break
            parts[name] = (time.process_time() - c,
                           time.perf_counter() - w)
        cycles.append({'cpu': time.process_time() - cpu0,
                       'wall': time.perf_counter() - wall0,
                       'parts': parts})
    conductor.planes.close()
    result = {
        'cycles': cycles[args.warmup:], 'warmup': cycles[:args.warmup],
        'failed': failed, 'vmhwm': _vm(os.getpid(), 'VmHWM'),
        'maxrss': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        'threads': threading.active_count(),
        'actions': _count(actions.values())}
    print('RESULT ' + json.dumps(result), flush=True)
    return 1 if failed else 0


def _count(values):
    counts = {}
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return counts


# -- the run ---------------------------------------------------------------

class Bench:

    def __init__(self, args):
        self.args = args
        self.quick = args.quick
        self.sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
        self.work = None
        self.etcd = {}
        self.databases = []
        self.results = {}
        self.failed = []
        self.notes = []
        self.load_start = loadavg()
        self.load_during = []
        self._keep = threading.Event()
        self.gunicorn_control_socket = False

    def bin(self, name):
        return os.path.join(os.path.dirname(sys.executable), name)

    def setup(self):
        self.work = tempfile.mkdtemp(prefix='hastack-decision-scale-',
                                     dir=self.args.dir)
        log('work folder %s' % self.work)
        out = subprocess.run([self.bin('gunicorn'), '--help'],
                             capture_output=True, text=True)
        self.gunicorn_control_socket = '--no-control-socket' in out.stdout
        for plane in PLANES:
            self.etcd[plane] = Etcd(self.work, plane)
            self.etcd[plane].start()
            log('etcd %s on %s' % (plane, self.etcd[plane].endpoint))
        threading.Thread(target=self._keepalive, daemon=True).start()

    def _keepalive(self):
        # Stands in for the agents' refreshes: the heartbeats must not
        # expire while a size is measured.
        while not self._keep.wait(HEARTBEAT_TTL / 4):
            for etcd in self.etcd.values():
                try:
                    etcd.keepalive()
                except (OSError, BenchError, ValueError) as e:
                    log('lease keepalive on %s failed: %s' % (etcd.plane, e))

    def teardown(self):
        self._keep.set()
        for etcd in self.etcd.values():
            stop_process(etcd.proc)
        if self.databases:
            import sqlalchemy as sa
            admin = sa.create_engine(DB_SERVER, isolation_level='AUTOCOMMIT')
            with admin.connect() as conn:
                for name in self.databases:
                    conn.execute(sa.text('DROP DATABASE IF EXISTS %s' % name))
            admin.dispose()
        if self.work and not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work:
            log('kept %s' % self.work)

    def measure(self, hosts):
        log('== %d hosts, %d instances' % (hosts,
                                            hosts * INSTANCES_PER_HOST))
        cloud = Cloud(self, hosts)
        api_port = free_port()
        cloud.write_config(api_port)
        t = time.monotonic()
        cloud.create()
        log('database %s: migrated and filled in %.1f s'
            % (cloud.db_name, time.monotonic() - t))
        t = time.monotonic()
        cloud.heartbeats()
        log('heartbeats written in %.1f s' % (time.monotonic() - t))
        res = {'hosts': hosts}
        res.update(self.cycle(cloud))
        res.update(self.api(cloud, api_port))
        res['etcd_rss'] = max(e.rss_mb() for e in self.etcd.values())
        self.results[hosts] = res

    def cycle(self, cloud):
        log('conductor: %d warm-up + %d measured cycles'
            % (self.args.warmup, self.args.cycles))
        log_path = os.path.join(self.work, 'conductor-%d.log' % cloud.hosts)
        with open(log_path, 'wb') as err:
            out = subprocess.run(
                [sys.executable, os.path.abspath(__file__), 'cycle',
                 '--config', cloud.config, '--cycles', str(self.args.cycles),
                 '--warmup', str(self.args.warmup)],
                stdout=subprocess.PIPE, stderr=err, text=True, timeout=3600)
        self.load_during.append(loadavg())
        lines = [ln for ln in out.stdout.splitlines()
                 if ln.startswith('RESULT ')]
        if out.returncode or not lines:
            raise BenchError('conductor cycles failed (%d): %s'
                             % (out.returncode, tail(log_path, 40)))
        doc = json.loads(lines[-1][len('RESULT '):])
        expected = cloud.expected_actions()
        if doc['actions'] != expected:
            raise BenchError('decisions %s, expected %s'
                             % (doc['actions'], expected))
        cycles = doc['cycles']
        cpu = [c['cpu'] for c in cycles]
        res = {
            'cycle_cpu': statistics.median(cpu),
            'cycle_cpu_max': max(cpu),
            'cycle_wall': statistics.median(c['wall'] for c in cycles),
            'warmup_cpu': doc['warmup'][0]['cpu'] if doc['warmup'] else None,
            'rss': doc['vmhwm'],
            'actions': doc['actions'],
        }
        for part in ('monitor', 'decider'):
            res['%s_cpu' % part] = statistics.median(
                c['parts'][part][0] for c in cycles)
        res['inbox_cpu'] = statistics.median(
            c['parts']['inbox'][0] + c['parts']['maintenance'][0]
            for c in cycles)
        log('cycle CPU median %.3f s (max %.3f), wall %.3f s, peak RSS '
            '%.0f MB; decisions %s' % (res['cycle_cpu'], max(cpu),
                                      res['cycle_wall'], res['rss'],
                                      doc['actions']))
        return res

    def api(self, cloud, port):
        """The two lists under three loads, each after a warm-up:

        * the goal load: ``--page`` items (``?limit=100``, a paging
          client's page) from ``--clients`` clients, one per API worker
          thread (workers x threads), ``--requests`` requests;
        * the default page (``[api] max_limit``, 1,000 items) from the
          same clients, ``--extra-requests`` requests (no goal);
        * the default page from ``--queue-clients`` clients (16), more
          than the server has threads: it measures queueing (no goal).

        and one client alone on each page: the time a request takes
        without any queue."""
        api = Api(self, cloud, port)
        api.start()
        try:
            page = self.args.page
            default_page = DEFAULT_PAGE
            for path, key, total in (
                    ('/v1/hosts', 'hosts', cloud.hosts),
                    ('/v1/instances', 'instances',
                     cloud.hosts * INSTANCES_PER_HOST)):
                for url, size in (('%s?limit=%d' % (path, page), page),
                                  (path, default_page)):
                    status, body = api.get(url)
                    items = json.loads(body)[key] if status == 200 else None
                    if items is None or len(items) != min(total, size):
                        raise BenchError('%s answered %s with %s items'
                                         % (url, status,
                                            items and len(items)))
            res = {}
            clients, queue = self.args.clients, self.args.queue_clients
            extra = self.args.extra_requests
            for path, key in (('/v1/hosts', 'hosts'),
                              ('/v1/instances', 'instances')):
                paged = '%s?limit=%d' % (path, page)
                for url, tag in ((paged, ''), (path, 'full_')):
                    api.load(url, 2 * queue, clients)       # warm-up
                    alone, _ = api.load(url, ALONE_REQUESTS, 1)
                    res['%s_%salone' % (key, tag)] = statistics.median(alone)
                # The goal load.
                lat, rate = api.load(paged, self.args.requests, clients)
                res['%s_p50' % key] = percentile(lat, 50)
                res['%s_p99' % key] = percentile(lat, 99)
                res['%s_rate' % key] = rate
                log('GET %s x %d, %d clients: p50 %.1f ms, p99 %.1f ms, '
                    '%.1f req/s; 1 client: median %.1f ms'
                    % (paged, len(lat), clients, res['%s_p50' % key],
                       res['%s_p99' % key], rate, res['%s_alone' % key]))
                # The default page, same clients, and 16 clients.
                for tag, n in (('full_', clients), ('queue_', queue)):
                    lat, rate = api.load(path, extra, n)
                    res['%s_%sp50' % (key, tag)] = percentile(lat, 50)
                    res['%s_%sp99' % (key, tag)] = percentile(lat, 99)
                    res['%s_%srate' % (key, tag)] = rate
                    log('GET %s x %d, %d clients: p50 %.1f ms, p99 %.1f '
                        'ms, %.1f req/s%s'
                        % (path, len(lat), n, res['%s_%sp50' % (key, tag)],
                           res['%s_%sp99' % (key, tag)], rate,
                           '; 1 client: median %.1f ms'
                           % res['%s_full_alone' % key]
                           if tag == 'full_' else ''))
            self.load_during.append(loadavg())
            return res
        finally:
            api.stop()

    def run(self):
        try:
            self.setup()
            for hosts in self.sizes:
                self.measure(hosts)
        except (BenchError, OSError, subprocess.SubprocessError,
                ValueError, KeyError) as e:
            log('ERROR: %s: %s' % (type(e).__name__, e))
            self.failed.append('error: %s' % e)
        finally:
            self.teardown()
        self.print_table()
        return 1 if self.failed else 0

    # -- the table ---------------------------------------------------------

    CYCLE_FIGURES = (
        ('cycle_cpu', 'cycle CPU time, median', 's', '%.3f'),
        ('cycle_cpu_max', 'cycle CPU time, max', 's', '%.3f'),
        ('cycle_wall', 'cycle wall time, median', 's', '%.3f'),
        ('monitor_cpu', '  monitor CPU, median', 's', '%.3f'),
        ('decider_cpu', '  decider CPU, median', 's', '%.3f'),
        ('inbox_cpu', '  inbox + maintenance CPU, median', 's', '%.3f'),
        ('warmup_cpu', 'first cycle CPU (transitions)', 's', '%.3f'),
        ('rss', 'conductor peak RSS (VmHWM)', 'MB', '%.0f'),
        ('etcd_rss', 'largest etcd RSS', 'MB', '%.0f'),
    )
    GOALS = {'cycle_cpu': ('< %g s' % GOAL_CYCLE_CPU, GOAL_CYCLE_CPU),
             'rss': ('< %g MB' % GOAL_RSS, GOAL_RSS),
             'hosts_p99': ('< %g ms' % GOAL_P99, GOAL_P99),
             'instances_p99': ('< %g ms' % GOAL_P99, GOAL_P99)}

    def figures(self):
        """(key, label, unit, format) of every row of the table; the API
        rows say what was measured: page, clients, statistic."""
        a = self.args
        rows = list(self.CYCLE_FIGURES)
        for key, path in (('hosts', '/v1/hosts'),
                          ('instances', '/v1/instances')):
            paged = '%s?limit=%d' % (path, a.page)
            rows += [
                ('%s_alone' % key, 'GET %s, 1 client, median' % paged),
                ('%s_p50' % key, 'GET %s, %d clients, p50'
                 % (paged, a.clients)),
                ('%s_p99' % key, 'GET %s, %d clients, p99'
                 % (paged, a.clients)),
                ('%s_rate' % key, 'GET %s, %d clients, throughput'
                 % (paged, a.clients)),
                ('%s_full_alone' % key,
                 'GET %s, default page, 1 client, median' % path),
                ('%s_full_p50' % key, 'GET %s, default page, %d clients, '
                 'p50' % (path, a.clients)),
                ('%s_full_p99' % key, 'GET %s, default page, %d clients, '
                 'p99' % (path, a.clients)),
                ('%s_full_rate' % key, 'GET %s, default page, %d clients, '
                 'throughput' % (path, a.clients)),
                ('%s_queue_p50' % key, 'GET %s, default page, %d clients, '
                 'p50' % (path, a.queue_clients)),
                ('%s_queue_p99' % key, 'GET %s, default page, %d clients, '
                 'p99' % (path, a.queue_clients)),
            ]
        return [r + (('req/s', '%.1f') if r[0].endswith('rate') else
                     ('ms', '%.1f')) if len(r) == 2 else r for r in rows]

    def print_table(self):
        sizes = [s for s in self.sizes if s in self.results]
        first, last = (sizes[0], sizes[-1]) if sizes else (None, None)
        head = (['figure', 'unit'] + ['%d hosts' % s for s in sizes] +
                (['ratio %d/%d' % (last, first)] if len(sizes) > 1 else []) +
                ['goal at %d' % GOAL_HOSTS, 'met'])
        rows = []
        for key, label, unit, fmt in self.figures():
            values = [self.results[s].get(key) for s in sizes]
            row = [label, unit] + [fmt % v if v is not None else '-'
                                   for v in values]
            if len(sizes) > 1:
                a, b = values[0], values[-1]
                row.append('%.1fx' % (b / a) if a and b is not None else '-')
            goal, ok = '', ''
            if key in self.GOALS:
                goal, limit = self.GOALS[key]
                if GOAL_HOSTS in self.results:
                    met = self.results[GOAL_HOSTS][key] < limit
                    ok = 'yes' if met else 'NO'
                    if not met:
                        self.failed.append('%s = %s %s at %d hosts (goal %s)'
                                           % (label.strip(), fmt % self.
                                              results[GOAL_HOSTS][key],
                                              unit, GOAL_HOSTS, goal))
                else:
                    ok = 'n/a'
            rows.append(row + [goal, ok])
        widths = [max(len(str(r[i])) for r in rows + [head])
                  for i in range(len(head))]
        line = '  '.join('%%-%ds' % w if i == 0 else '%%%ds' % w
                         for i, w in enumerate(widths))
        print()
        a = self.args
        print('HaStack decision path at scale: %s; %d instances per host; '
              '%d warm-up + %d measured cycles' % (
                  ', '.join(str(s) for s in self.sizes), INSTANCES_PER_HOST,
                  a.warmup, a.cycles))
        print('API: gunicorn %d workers x %d threads (gthread) = %d '
              'request threads on %d CPUs, auth_strategy = noauth (headers '
              'trusted); each client a closed loop on its own keep-alive '
              'connection; p50/p99 nearest-rank' % (
                  a.api_workers, a.api_threads,
                  a.api_workers * a.api_threads, os.cpu_count()))
        print('  goal load: GET ...?limit=%d (a paging client\'s page), %d '
              'clients (%s), %d requests per list' % (
                  a.page, a.clients,
                  'one per request thread' if a.clients ==
                  a.api_workers * a.api_threads else
                  'NOT one per request thread', a.requests))
        print('  no goal: the default page (%d items, [api] max_limit) from '
              '%d clients and from %d clients, %d requests each; 1 client '
              'alone: median of %d' % (DEFAULT_PAGE, a.clients,
                                       a.queue_clients, a.extra_requests,
                                       ALONE_REQUESTS))
        print('Hosts: %.1f%% all up; %s; %.0f%% in maintenance, %.0f%% HA '
              'disabled (all up)' % (
                  100 * (1 - sum(s for s, _ in MIX)),
                  ', '.join('%.1f%% %s down' % (100 * s, '+'.join(p))
                            for s, p in MIX),
                  100 * MAINTENANCE_SHARE, 100 * HA_DISABLED_SHARE))
        for s in sizes:
            print('  decisions at %d hosts: %s' % (s, ', '.join(
                '%s %d' % kv for kv in sorted(
                    self.results[s]['actions'].items()))))
        print('load average (1 min) at start %.2f, during %s, at end %.2f '
              'on %d CPUs: figures are noisy on a shared machine'
              % (self.load_start, ', '.join('%.2f' % x
                                             for x in self.load_during),
                 loadavg(), os.cpu_count()))
        print()
        print(line % tuple(head))
        print(line % tuple('-' * w for w in widths))
        for r in rows:
            print(line % tuple(r))
        for note in self.notes:
            print('note: ' + note)
        if GOAL_HOSTS not in self.sizes:
            print('note: goals are checked at %d hosts only; this run '
                  'has no such size' % GOAL_HOSTS)
        print()
        if self.failed:
            print('GOALS MISSED: ' + '; '.join(self.failed))
        else:
            print('All goals met.' if GOAL_HOSTS in self.results else
                  'No error (no goal checked).')


def main():
    if len(sys.argv) > 1 and sys.argv[1] == 'cycle':
        parser = argparse.ArgumentParser()
        parser.add_argument('cmd')
        parser.add_argument('--config', required=True)
        parser.add_argument('--cycles', type=int, default=5)
        parser.add_argument('--warmup', type=int, default=2)
        return cycle_main(parser.parse_args())
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--quick', action='store_true',
                        help='100 and 1,000 hosts, 3 cycles, fewer '
                             'requests; no goal is checked')
    parser.add_argument('--sizes', type=lambda s: tuple(
        int(x) for x in s.split(',')), default=None,
        help='host counts, comma separated (default 100,1000,10000)')
    parser.add_argument('--cycles', type=int, default=None,
                        help='measured cycles per size (default 5)')
    parser.add_argument('--warmup', type=int, default=2,
                        help='warm-up cycles per size (default 2)')
    parser.add_argument('--requests', type=int, default=None,
                        help='requests per list and size at the goal load '
                             '(default 1000)')
    parser.add_argument('--extra-requests', type=int, default=None,
                        help='requests per list and size of each default '
                             'page load (default 400)')
    parser.add_argument('--page', type=int, default=GOAL_PAGE,
                        help='items per page at the goal load (default '
                             '%d, ?limit=%d)' % (GOAL_PAGE, GOAL_PAGE))
    parser.add_argument('--clients', type=int, default=None,
                        help='clients at the goal load and the default '
                             'page load (default: workers x threads)')
    parser.add_argument('--queue-clients', type=int, default=16,
                        help='clients of the queueing load (default 16)')
    parser.add_argument('--api-workers', type=int, default=2)
    parser.add_argument('--api-threads', type=int, default=2)
    parser.add_argument('--dir', default=None,
                        help='where to make the temporary folder')
    parser.add_argument('--keep', action='store_true',
                        help='keep the temporary folder (logs)')
    args = parser.parse_args()
    if args.cycles is None:
        args.cycles = 3 if args.quick else 5
    if args.requests is None:
        args.requests = 200 if args.quick else 1000
    if args.extra_requests is None:
        args.extra_requests = 100 if args.quick else 400
    if args.clients is None:
        args.clients = args.api_workers * args.api_threads
    log('HaStack decision path at scale; kernel %s; %s; Python %s from %s'
        % (platform.release(), _etcd_version(), platform.python_version(),
           sys.prefix))
    return Bench(args).run()


def _etcd_version():
    out = subprocess.run(['etcd', '--version'], capture_output=True,
                         text=True)
    return out.stdout.splitlines()[0] if out.stdout else 'etcd ?'


if __name__ == '__main__':
    sys.exit(main())
