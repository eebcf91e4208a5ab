"""A small HaStack cloud on real parts, for the conductor's tests.

* three plane networks, each with its own etcd cluster (real etcd);
* RabbitMQ (a virtual host per cluster), reached by the hosts through a
  forwarder on the mgmt bridge, so cutting a host's mgmt plane cuts its
  RPC too;
* a MariaDB database, migrated;
* the real Nova control plane with a fake compute per host (the fake virt
  driver is the boundary that cannot run here: no hypervisor);
* compute hosts as network namespaces, each running the real
  ``hastack-agent`` (libvirt's test driver, ``test:///default``, stands in
  for the hypervisor);
* one or more real ``hastack-conductor`` processes, electing their leader
  through tooz on the mgmt plane's etcd.

With ``fitlock=True`` each host also gets what makes split brain
observable: the shared folder mounted with sshfs over the host's own
storage plane (so cutting that plane cuts the storage), a ``fitlockd``
in the host's namespace with the agent as its arbiter, and the "process"
hypervisor: Nova's computes start each guest as a process on its host
(tests/cluster/instance.py) that holds the instance's Fitlock lease and
appends to the instance's disk file on the shared storage.

The test process reaches the same database through ``hastack.db.api``.
"""

import json
import os
import signal
import subprocess
import sys
import uuid

import fixtures
from keystoneauth1 import loading
from keystoneauth1 import session as ks_session
from novaclient import client as nova_client
from oslo_db.sqlalchemy import enginefacade
from oslo_db.sqlalchemy import test_fixtures
from oslo_messaging import conffixture
import pymysql
import sqlalchemy as sa

from hastack import conf as hastack_conf
from hastack.common import context as hastack_context
from hastack.common import keymsg
from hastack.common import rpc
from hastack.common import states
from hastack.conductor import rpcapi as conductor_rpcapi
from hastack.db import api as db_api
from hastack.db import migration
from hastack.fitlock import client as fitlock_client
from hastack.fitlock import timing as fitlock_timing
from tests.functional.fitlock import storage_fixtures
from tests.functional.net import fixtures as net
from tests.functional.nova import fixture as nova_fixture

BIN = os.path.dirname(sys.executable)
HERE = os.path.dirname(os.path.abspath(__file__))
MYSQL = dict(host='127.0.0.1', user='openstack_citest',
             password='openstack_citest')
# Timing of the test cloud: heartbeats every second (etcd TTL 3 s), a
# grace of 3 s. Same formulas as production, shorter numbers.
INTERVAL = 1
GRACE = 3
NOVA_MICROVERSION = '2.94'
LOCKSPACE = 'hastack'
# Fitlock timing of the harness (hastack/fitlock/timing.py formulas):
# N = 0.5 s, so renewals every 2N = 1 s, F = 8N = 4 s, W = 4 s and
# H = F + W = 8 s; A + T_kill + slop = 2 + 0.5 + 0.5 = 3 s <= W; slop <=
# N. The sshfs connection dies 6-7 s after a storage cut, within H.
FITLOCK_TIMING = fitlock_timing.Timing(io_timeout=0.5, watchdog=4.0,
                                       arbiter_wait=2.0, kill_time=0.5,
                                       slop=0.5)


def wait_for(predicate, timeout, what, interval=0.2):
    """Poll ``predicate`` until it returns something true; return it
    (:func:`net.wait_for`, with a message naming ``what``)."""
    return net.wait_for(predicate, timeout, interval,
                        'timed out after %s s waiting for %s'
                        % (timeout, what))


class MariaDBDatabase(fixtures.Fixture):
    """A fresh, migrated MariaDB database plugged into hastack.db.api.

    :ivar url: its SQLAlchemy URL (for the conductors' config).
    """

    def _setUp(self):
        self.name = 'hastack_ft_%s' % uuid.uuid4().hex[:12]
        connection = pymysql.connect(**MYSQL)
        with connection.cursor() as cursor:
            cursor.execute('CREATE DATABASE %s CHARACTER SET utf8mb4'
                           % self.name)
        connection.close()
        self.addCleanup(self._drop)
        self.url = ('mysql+pymysql://%(user)s:%(password)s@%(host)s/'
                    % MYSQL) + self.name + '?charset=utf8mb4'
        engine = sa.create_engine(self.url)
        migration.upgrade(engine=engine)
        engine.dispose()
        hastack_conf.CONF.set_override('connection', self.url, 'database')
        facade = enginefacade.transaction_context()
        facade.configure(connection=self.url)
        self.useFixture(test_fixtures.ReplaceEngineFacadeFixture(
            db_api.context_manager, facade))
        self.addCleanup(lambda: facade.writer.get_engine().dispose())

    def _drop(self):
        connection = pymysql.connect(**MYSQL)
        with connection.cursor() as cursor:
            cursor.execute('DROP DATABASE IF EXISTS %s' % self.name)
        connection.close()


class HaCluster(fixtures.Fixture):
    """Hosts, planes, Nova, agents and conductors, ready to fail.

    :param hosts: names of the compute hosts.
    :param conductors: how many conductors to start.
    :param conductor_options: extra ``{group: {option: value}}`` for the
        conductors' config.
    """

    def __init__(self, hosts=('c1', 'c2', 'c3'), conductors=1,
                 conductor_options=None, fitlock=False):
        super().__init__()
        self.host_names = list(hosts)
        self.conductor_count = conductors
        self.conductor_options = conductor_options or {}
        self.fitlock = fitlock

    def _setUp(self):
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.network = self.useFixture(net.PlaneNetwork())
        self.planes = self.useFixture(net.PlaneClusters(self.network))
        self.rabbit = self.useFixture(net.TcpForwarder(
            self.network.bridge_address('mgmt'), 0, '127.0.0.1', 5672))
        # The conductors' way to RabbitMQ, so that stop_rabbitmq() can cut
        # them off too (the test process itself connects directly).
        self.rabbit_local = self.useFixture(net.TcpForwarder(
            '127.0.0.1', 0, '127.0.0.1', 5672))
        self.exchange = 'hastack-ft-%s' % self.network.suffix
        # RabbitMQ queue names ignore the exchange: a vhost per cluster.
        self.vhost = self.exchange
        self._add_vhost()
        self.addCleanup(self._delete_vhost)
        self._stall = None
        self.addCleanup(self.resume_database)
        self.database = self.useFixture(MariaDBDatabase())
        self.context = hastack_context.get_admin_context()
        self.hosts = {}
        for name in self.host_names:
            self.hosts[name] = self.useFixture(net.TestHost(self.network,
                                                            name))
        self.fitlockd = {}
        hook = None
        if self.fitlock:
            self.storage = self.useFixture(PlaneSshfsStorage(self))
            hook = [sys.executable, os.path.join(HERE, 'instance_hook.py'),
                    self._write_hosts_file()]
        self.nova = self.useFixture(nova_fixture.NovaServer(
            instance_hook=hook))
        self.agents = {}
        for name in self.host_names:
            self.nova.start_compute(name)
            if self.fitlock:
                self.start_fitlockd(name)
            self.start_agent(name)
        self.conductors = {}
        self._conductor_rpc = None
        for index in range(self.conductor_count):
            self.start_conductor('conductor-%d' % (index + 1))

    # -- Nova -----------------------------------------------------------

    def nova_client(self, credentials=None):
        """A novaclient at the conductor's microversion (admin default)."""
        auth = loading.get_plugin_loader('v3password').load_from_options(
            auth_url=self.nova.auth_url,
            **(credentials or self.nova.admin_credentials))
        return nova_client.Client(NOVA_MICROVERSION,
                                  session=ks_session.Session(auth=auth))

    def boot(self, name, host, ha=True, client=None):
        """Boot a server on ``host`` (HA-enabled by default); returns its
        id once ACTIVE."""
        admin = client or self.nova_client()
        defaults = self.nova.defaults
        server = admin.servers.create(
            name, image=defaults['image_id'], flavor=defaults['flavor_id'],
            nics=defaults['networks'],
            availability_zone='nova:%s' % host,
            meta={states.HA_METADATA_KEY: 'True' if ha else 'False'})
        wait_for(lambda: admin.servers.get(server.id).status == 'ACTIVE',
                 60, 'server %s ACTIVE' % name)
        return server.id

    def server(self, server_id):
        """``(status, host)`` of a server, from Nova."""
        server = self.nova_client().servers.get(server_id)
        return server.status, getattr(server, 'OS-EXT-SRV-ATTR:host')

    # -- agents ---------------------------------------------------------

    def _config(self, path, host, sections):
        with open(path, 'w') as f:
            for group, options in sections.items():
                f.write('[%s]\n' % group)
                for key, value in options.items():
                    f.write('%s = %s\n' % (key, value))
        return path

    def _plane_sections(self, host=None):
        sections = {}
        for plane in states.PLANES:
            options = {'endpoints': self.planes.endpoints[plane],
                       'timeout': 1}
            if host is not None:
                options['local_address'] = host.address(plane)
            sections['plane_%s' % plane] = options
        return sections

    # -- Fitlock and the process hypervisor ----------------------------

    def host_id(self, name):
        """Fitlock host id of ``name`` (1 for the first host)."""
        return self.host_names.index(name) + 1

    def folder(self, name):
        """The host's local folder (its "local disk")."""
        path = os.path.join(self.tmp, name)
        os.makedirs(path, exist_ok=True)
        return path

    def _write_hosts_file(self):
        info = {}
        for name in self.host_names:
            local = self.folder(name)
            for sub in ('instances', 'logs'):
                os.makedirs(os.path.join(local, sub), exist_ok=True)
            info[name] = {
                'namespace': self.hosts[name].namespace,
                'mount': self.storage.mount_point(self.host_id(name)),
                'socket': os.path.join(local, 'fitlockd.sock'),
                'lockspace': LOCKSPACE,
                'instances': os.path.join(local, 'instances'),
                'logs': os.path.join(local, 'logs')}
        path = os.path.join(self.tmp, 'hosts.json')
        with open(path, 'w') as f:
            json.dump(info, f, indent=1)
        self.host_info = info
        return path

    def start_fitlockd(self, name):
        """Start (or restart) the fitlockd of ``name`` in its namespace;
        waits until it has joined the lockspace."""
        local = self.folder(name)
        t = FITLOCK_TIMING
        boot_id = os.path.join(local, 'boot_id')
        if not os.path.exists(boot_id):
            with open(boot_id, 'w') as f:
                f.write('boot-1\n')
        config = self._config(os.path.join(local, 'fitlockd.conf'), None, {
            'DEFAULT': {'host': name},
            'fitlock': {
                'directory': self.storage.mount_point(self.host_id(name)),
                'host_id': self.host_id(name), 'lockspaces': LOCKSPACE,
                'io_timeout': t.io_timeout,
                'watchdog_timeout': t.watchdog,
                'arbiter_wait': t.arbiter_wait,
                'kill_timeout': t.kill_time, 'slop': t.slop,
                'socket_path': self.host_info[name]['socket'],
                'state_dir': os.path.join(local, 'fitlock-state'),
                'boot_id_file': boot_id}})
        log = open(os.path.join(local, 'fitlockd.log'), 'ab')
        self.addCleanup(log.close)
        self.fitlockd[name] = self.hosts[name].run(
            [os.path.join(BIN, 'fitlockd'), '--config-file', config],
            stdout=log, stderr=log)

        def joined():
            try:
                with fitlock_client.Client(self.host_info[name]['socket'],
                                           timeout=5) as client:
                    status = client.call('status')
            except (OSError, ValueError, fitlock_client.RemoteError):
                return False
            return any(ls['state'] == 'ok' for ls in status['lockspaces'])
        wait_for(joined, 60, 'fitlockd of %s joined' % name)

    def fitlock_call(self, name, op, **params):
        """One request to the fitlockd of ``name``."""
        with fitlock_client.Client(self.host_info[name]['socket'],
                                   timeout=10) as client:
            return client.call(op, **params)

    def instance_pids(self):
        """``{uuid: [(host, pid)]}`` of the instance processes alive now,
        on every host."""
        alive = {}
        for name in self.host_names:
            folder = os.path.join(self.folder(name), 'instances')
            for entry in os.listdir(folder):
                if not entry.endswith('.pid'):
                    continue
                try:
                    with open(os.path.join(folder, entry)) as f:
                        pid = int(f.read().split()[0])
                except (OSError, ValueError, IndexError):
                    continue
                if os.path.exists('/proc/%d' % pid):
                    alive.setdefault(entry[:-4], []).append((name, pid))
        return alive

    def disks_dir(self):
        """The instance disk files' folder, on the storage server side."""
        return os.path.join(self.storage.backing, 'disks')

    def crash_host(self, name):
        """Crash ``name``: every process of its namespace dies (agent,
        fitlockd, instances, its sshfs) and its nova-compute stops."""
        self.hosts[name].crash()
        self.nova.stop_compute(name)

    def lose_storage(self, name):
        """The shared folder fails on ``name`` while its storage network
        works: its sshfs dies, and every I/O on the mount fails."""
        process = self.storage._mounts[self.host_id(name)]
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)

    def regain_storage(self, name):
        """Mount the shared folder of ``name`` again."""
        host_id = self.host_id(name)
        self.storage.unmount(host_id)
        self.storage.mount(host_id)

    def boot_host(self, name):
        """Bring a crashed host back as a reboot would: a new boot id,
        the shared folder mounted again, fitlockd (which fences what its
        previous incarnation held before joining anew), the agent, and a
        nova-compute that cleans up the guests evacuated away."""
        host_id = self.host_id(name)
        with open(os.path.join(self.folder(name), 'boot_id'), 'w') as f:
            f.write('boot-%s\n' % uuid.uuid4().hex)
        self.storage.unmount(host_id)
        self.storage.mount(host_id)
        self.start_fitlockd(name)
        self.start_agent(name)
        self.nova.restart_compute(name)

    def restart_agent(self, name):
        """Kill the agent of ``name`` (SIGKILL) and start it again."""
        _kill(self.agents[name])
        self.start_agent(name)

    def restart_fitlockd(self, name):
        """Kill the fitlockd of ``name`` (SIGKILL) and start it again on
        the same boot: it resumes its lockspace and keeps its leases when
        back within F."""
        _kill(self.fitlockd[name])
        self.start_fitlockd(name)

    def restart_conductor(self, name):
        """Kill a conductor (SIGKILL) and start it again."""
        self.kill_conductor(name)
        self.start_conductor(name)

    # -- control plane faults -------------------------------------------

    def _add_vhost(self):
        _rabbitmqctl('add_vhost', self.vhost)
        _rabbitmqctl('set_permissions', '-p', self.vhost, 'guest', '.*',
                     '.*', '.*')

    def _delete_vhost(self):
        # Already gone after stop_rabbitmq(): not an error.
        subprocess.run(['rabbitmqctl', 'delete_vhost', self.vhost],
                       capture_output=True, timeout=60, check=False)

    def stop_rabbitmq(self):
        """RabbitMQ stops, as HaStack sees it: every agent's and
        conductor's connection is reset, new ones are refused, and the
        cluster's queues and undelivered messages are gone (its virtual
        host is deleted, as a broker restart loses non-durable queues).
        The broker itself serves others on this machine, so it is cut
        off rather than stopped."""
        if self._conductor_rpc is not None:
            # The test's own client would retry (and log) without pause
            # against the deleted vhost; a new one is made when needed.
            rpc.cleanup()
            self._conductor_rpc = None
        self.rabbit.pause()
        self.rabbit_local.pause()
        self._delete_vhost()

    def start_rabbitmq(self):
        """RabbitMQ is back, empty: clients must reconnect and declare
        their queues again."""
        self._add_vhost()
        self.rabbit.resume()
        self.rabbit_local.resume()

    def stall_database(self):
        """The database stops answering HaStack: one connection holds a
        write lock on every table of the cluster's database, so every
        other query waits (as on a hung database server), until
        :meth:`resume_database`."""
        if self._stall is not None:
            return
        connection = pymysql.connect(database=self.database.name, **MYSQL)
        with connection.cursor() as cursor:
            cursor.execute('SHOW TABLES')
            tables = [row[0] for row in cursor.fetchall()]
            cursor.execute('LOCK TABLES %s' % ', '.join(
                '`%s` WRITE' % table for table in tables))
        self._stall = connection

    def resume_database(self):
        """End :meth:`stall_database`: the waiting queries go on."""
        connection, self._stall = self._stall, None
        if connection is not None:
            with connection.cursor() as cursor:
                cursor.execute('UNLOCK TABLES')
            connection.close()

    def start_agent(self, name):
        """Start (or restart) the agent of ``name`` in its namespace."""
        host = self.hosts[name]
        folder = self.folder(name)
        sections = {
            'DEFAULT': {
                'host': name, 'control_exchange': self.exchange,
                'transport_url': 'rabbit://guest:guest@%s:%d/%s' % (
                    self.network.bridge_address('mgmt'), self.rabbit.port,
                    self.vhost)},
            'ha': {'heartbeat_interval': INTERVAL},
            'agent': {'shared_mount_point': folder,
                      'shared_must_be_mount': 'false',
                      'libvirt_uri': 'test:///default',
                      'message_ttl': 30},
            'fitlock': {'socket_path': os.path.join(folder,
                                                    'no-fitlockd.sock')},
        }
        if self.fitlock:
            mount = self.storage.mount_point(self.host_id(name))
            sections['agent'].update({
                'shared_mount_point': mount,
                'shared_must_be_mount': 'true',
                'hypervisor': 'process',
                'process_instances_dir': self.host_info[name]['instances'],
                'lockspace': LOCKSPACE,
                # fitlockd waits A = 2 s for the answer; keep 0.5 s.
                'arbiter_answer_margin': 0.5})
            sections['fitlock']['socket_path'] = \
                self.host_info[name]['socket']
        sections.update(self._plane_sections(host))
        config = self._config(os.path.join(folder, 'agent.conf'), host,
                              sections)
        log = open(os.path.join(folder, 'agent.log'), 'ab')
        self.addCleanup(log.close)
        self.agents[name] = host.run(
            [os.path.join(BIN, 'hastack-agent'), '--config-file', config],
            stdout=log, stderr=log)

    def agent_log(self, name):
        """What the agent of ``name`` logged."""
        with open(os.path.join(self.tmp, name, 'agent.log'),
                  errors='replace') as f:
            return f.read()

    # -- conductors -----------------------------------------------------

    def start_conductor(self, name):
        """Start a ``hastack-conductor`` process called ``name``."""
        folder = os.path.join(self.tmp, name)
        os.makedirs(folder, exist_ok=True)
        mgmt = self.planes.endpoints['mgmt'].split('://', 1)[1]
        sections = {
            'DEFAULT': {
                'host': name, 'control_exchange': self.exchange,
                'transport_url': 'rabbit://guest:guest@127.0.0.1:%d/%s'
                                 % (self.rabbit_local.port, self.vhost)},
            'database': {'connection': self.database.url},
            'ha': {'heartbeat_interval': INTERVAL,
                   'grace_period': GRACE},
            'conductor': {
                'cycle_interval': 0.5, 'monitor_interval': 1,
                'fence_timeout': 30, 'retry_backoff': 1,
                'retry_backoff_max': 2, 'task_heartbeat_timeout': 8,
                'evacuate_timeout': 60, 'fence_rpc_timeout': 5,
                'instance_sync_interval': 5,
                'coordination_backend_url':
                    'etcd3+http://%s?timeout=5&lock_timeout=4' % mgmt},
            'agent': {'message_ttl': 30},
            'nova': {'auth_type': 'password', 'timeout': 30,
                     'auth_url': self.nova.auth_url,
                     'username': 'admin', 'password': 'secret',
                     'project_name': 'admin',
                     'user_domain_name': 'Default',
                     'project_domain_name': 'Default'},
        }
        sections.update(self._plane_sections())
        for group, options in self.conductor_options.items():
            sections.setdefault(group, {}).update(options)
        config = self._config(os.path.join(folder, 'conductor.conf'), None,
                              sections)
        log = open(os.path.join(folder, 'conductor.log'), 'ab')
        self.addCleanup(log.close)
        # A session of its own: oslo.service runs the conductor in a
        # worker child, and a crash kills both (as systemd would).
        process = subprocess.Popen(
            [os.path.join(BIN, 'hastack-conductor'), '--config-file',
             config], stdout=log, stderr=log, stdin=subprocess.DEVNULL,
            start_new_session=True)
        self.conductors[name] = process
        self.addCleanup(self._stop_conductor, process)
        return process

    def kill_conductor(self, name):
        """SIGKILL a conductor, its worker process included (a crash: its
        claims go stale)."""
        process = self.conductors[name]
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(10)

    @staticmethod
    def _stop_conductor(process):
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        try:
            # Whatever of its session is left (its worker child).
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        if process.poll() is None:
            process.wait(10)

    def conductor_log(self, name):
        """What a conductor logged."""
        with open(os.path.join(self.tmp, name, 'conductor.log'),
                  errors='replace') as f:
            return f.read()

    def logs(self):
        """Every log, for a failing test's details."""
        text = []
        for name in self.conductors:
            text.append('==== %s\n%s' % (name,
                                         self.conductor_log(name)[-30000:]))
        for name in self.hosts:
            text.append('==== agent %s\n%s' % (name,
                                               self.agent_log(name)[-8000:]))
            path = os.path.join(self.folder(name), 'fitlockd.log')
            if os.path.exists(path):
                with open(path, errors='replace') as f:
                    text.append('==== fitlockd %s\n%s' % (
                        name, f.read()[-8000:]))
        return '\n'.join(text)

    def conductor_rpc(self):
        """A ConductorAPI client on this cluster's RabbitMQ vhost."""
        if self._conductor_rpc is None:
            conf = hastack_conf.CONF
            messaging_conf = self.useFixture(conffixture.ConfFixture(conf))
            messaging_conf.transport_url = (
                'rabbit://guest:guest@127.0.0.1:5672/%s' % self.vhost)
            conf.set_override('control_exchange', self.exchange)
            self.addCleanup(rpc.cleanup)
            self._conductor_rpc = conductor_rpcapi.ConductorAPI(conf,
                                                                timeout=20)
        return self._conductor_rpc

    # -- the database's view --------------------------------------------

    def host(self, name):
        """The Host row of ``name`` (None before the first sighting)."""
        try:
            return db_api.host_get(self.context, name)
        except Exception:  # noqa: BLE001 - not registered yet
            return None

    def wait_host_state(self, name, state, timeout=60):
        """Wait until ``name`` is in ``state``; returns the Host row."""
        return wait_for(
            lambda: (lambda h: h if h and h.state == state else None)(
                self.host(name)), timeout,
            'host %s %s (now %s)' % (name, state,
                                     getattr(self.host(name), 'state',
                                             None)))

    def wait_all_up(self, timeout=60):
        """Wait until every host is active with every plane up."""
        def up():
            hosts = [self.host(n) for n in self.host_names]
            return all(h is not None and h.state == states.HOST_ACTIVE and
                       all(getattr(h, '%s_status' % p) == 'up'
                           for p in states.PLANES) for h in hosts)
        wait_for(up, timeout, 'every host active and up')

    def tasks(self, **filters):
        """Tasks matching ``filters``."""
        return db_api.task_list(self.context, filters)

    def events(self, etype=None):
        """Events (of a type), oldest first."""
        return [e for e in db_api.event_list(self.context, sort_dir='asc')
                if etype is None or e.type == etype]

    def controller_inbox(self, plane):
        """Keys waiting in the controllers' inbox on a plane."""
        client = self.planes[plane].client(timeout=2)
        return [meta['key'] for _, meta in client.get_prefix(
            keymsg.TO_CONTROLLER_PREFIX)]


class PlaneSshfsStorage(storage_fixtures.SshfsStorage):
    """The shared folder, served by sshd on the storage bridge and mounted
    per host through that host's storage plane veth: cutting the host's
    storage plane cuts its storage too, as on a real storage network.

    Host ids are the cluster's (1 for its first host).
    """

    def __init__(self, cluster):
        super().__init__(hosts=range(1, len(cluster.host_names) + 1),
                         lockspace=LOCKSPACE, max_hosts=16,
                         timing=FITLOCK_TIMING)
        self.cluster = cluster

    def _host(self, host_id):
        return self.cluster.hosts[self.cluster.host_names[host_id - 1]]

    def netns(self, host_id):
        """The namespace of the cluster host."""
        return self._host(host_id).namespace

    def veth(self, host_id):
        """The host's storage plane veth (root namespace end)."""
        return self._host(host_id).veth('storage')

    def address(self, host_id):
        """The host's address on the storage plane."""
        return self._host(host_id).address('storage')

    def _make_network(self):
        # The cluster's storage plane is the network.
        self.server = self.cluster.network.bridge_address('storage')


def _kill(process):
    if process.poll() is None:
        process.kill()
    process.wait(10)


def _rabbitmqctl(*args):
    subprocess.run(['rabbitmqctl'] + list(args), check=True,
                   capture_output=True, timeout=60)
