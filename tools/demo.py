"""HaStack's live demo (run it through ``sudo tools/demo``).

A small cloud on real parts: three etcd plane clusters, RabbitMQ,
MariaDB, the real Nova, and per host a network namespace running
hastack-agent and fitlockd, with the shared folder mounted over the
host's storage network. Each instance is a process on its host that
holds its Fitlock lease and writes its disk on the shared folder. Then a
host crashes (every process of it dies, its nova-compute with them). The
terminal shows planes, host states, tasks and instances as they move,
then a timeline of the recovery and a check of every disk: no two hosts
ever wrote one instance's disk at once. Everything is removed on exit.
"""

import argparse
import datetime
import json
import os
import signal
import sys
import time

from oslo_utils import timeutils

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TOP)

from tests.cluster import harness as cluster_mod  # noqa: E402
from tests.cluster import invariants  # noqa: E402
from tests.fixtures import conf as conf_fixture  # noqa: E402
from tests.functional.net import fixtures as net  # noqa: E402

BOLD, DIM, RED, GREEN, YELLOW, CYAN, RESET = (
    '\033[1m', '\033[2m', '\033[31m', '\033[32m', '\033[33m', '\033[36m',
    '\033[0m')
STATE_COLOURS = {'active': GREEN, 'suspect': YELLOW, 'failed': RED,
                 'fencing': RED, 'fenced': YELLOW, 'recovered': CYAN,
                 'recovering': CYAN, 'maintenance': DIM,
                 'succeeded': GREEN, 'running': YELLOW, 'pending': DIM,
                 'deferred': DIM, 'failed_task': RED, 'cancelled': DIM,
                 'up': GREEN, 'down': RED, 'unknown': YELLOW,
                 'ACTIVE': GREEN, 'SHUTOFF': DIM, 'ERROR': RED}


def colour(text, key=None):
    """``text`` in the colour of ``key`` (or of itself) on a terminal."""
    if not sys.stdout.isatty():
        return text
    code = STATE_COLOURS.get(key or text, '')
    return '%s%s%s' % (code, text, RESET) if code else text


class Screen:
    """Redraws the live table in place on a terminal; elsewhere prints a
    new table only when it changed."""

    def __init__(self):
        self.tty = sys.stdout.isatty()
        self.last = None

    def show(self, lines):
        """Draw ``lines``."""
        text = '\n'.join(lines)
        if text == self.last:
            return
        self.last = text
        if self.tty:
            sys.stdout.write('\033[H\033[J' + text + '\n')
        else:
            sys.stdout.write(text + '\n\n')
        sys.stdout.flush()


class Demo:
    """The demo's steps and views."""

    def __init__(self, cluster, started):
        self.c = cluster
        self.started = started
        self.names = {}
        self.crashed_at = None
        self.banner = ''

    def elapsed(self):
        """Seconds since the demo started, as text."""
        return '%6.1fs' % (time.monotonic() - self.started)

    def table(self):
        """The live view: hosts, tasks, instances and the last events."""
        c = self.c
        lines = ['%sHaStack live demo%s   %s   %s' % (
            BOLD if sys.stdout.isatty() else '',
            RESET if sys.stdout.isatty() else '', self.elapsed(),
            self.banner), '']
        lines.append('HOST  MGMT     SERVICE  STORAGE  STATE')
        for name in c.host_names:
            host = c.host(name)
            if host is None:
                lines.append('%-5s (waiting for its first heartbeat)' % name)
                continue
            lines.append('%-5s %s %s %s %s' % (
                name, *(colour('%-8s' % getattr(host, '%s_status' % p),
                               getattr(host, '%s_status' % p))
                        for p in ('mgmt', 'service', 'storage')),
                colour(host.state)))
        lines += ['', 'INSTANCE   HA   NOVA      NOVA HOST  RUNNING AS']
        servers = {s.id: s for s in self.c.nova_client().servers.list(
            search_opts={'all_tenants': True})}
        processes = self.c.instance_pids()
        for server_id, name in self.names.items():
            server = servers.get(server_id)
            if server is None:
                continue
            ha = server.metadata.get('HA_Enabled') == 'True'
            running = ', '.join('pid %d on %s' % (pid, host) for host, pid
                                in processes.get(server_id, [])) or '-'
            lines.append('%-10s %-4s %s %-10s %s' % (
                name, 'yes' if ha else 'no',
                colour('%-9s' % server.status, server.status),
                getattr(server, 'OS-EXT-SRV-ATTR:host'), running))
        tasks = c.tasks()
        if tasks:
            lines += ['', 'TASK           TARGET      STATE       TRIES  '
                          'NOTE']
            for task in sorted(tasks, key=lambda t: (-t.priority,
                                                     t.created_at)):
                target = self.names.get(task.instance_uuid, task.host)
                state = task.state
                lines.append('%-14s %-11s %s %d/%-4d %s' % (
                    task.type, target,
                    colour('%-11s' % state, 'failed_task'
                           if state == 'failed' else state),
                    task.attempts, task.max_attempts,
                    (task.last_error or '')[:40]))
        events = c.events()[-6:]
        if events:
            lines += ['', 'LATEST EVENTS']
            lines += ['  %s %s' % (e.created_at.strftime('%H:%M:%S'),
                                   self.rename(e.message)[:100])
                      for e in events]
        return lines

    def rename(self, text):
        """Instance uuids replaced by the demo's names."""
        for server_id, name in self.names.items():
            text = text.replace(server_id, name)
        return text

    def timeline(self, host):
        """The recovery's timeline, from the events."""
        base = self.crashed_at
        out = ['', 'TIMELINE (seconds after %s failed)' % host]
        for event in self.c.events():
            if event.created_at < base:
                continue
            keep = (event.host == host and event.type.startswith(
                'host.state.')) or event.type in (
                'failure.declared', 'task.succeeded', 'task.failed',
                'fence.acknowledged', 'self_defense.on')
            if keep:
                delta = (event.created_at - base).total_seconds()
                out.append('  %+7.1f  %s' % (delta,
                                             self.rename(event.message)))
        return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--hosts', type=int, default=4,
                        help='compute hosts (at least 3; default 4)')
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit('tools/demo.py: run it as root (sudo tools/demo)')
    if args.hosts < 3:
        sys.exit('tools/demo.py: --hosts must be at least 3 (one host in '
                 'two down would be self-defense, not recovery)')
    reason = net.skip_reason()
    if reason:
        sys.exit('tools/demo.py: cannot build test hosts here: %s' % reason)
    # Ctrl-C and SIGTERM unwind through the clean-up below.
    signal.signal(signal.SIGTERM, lambda *a: (_ for _ in ()).throw(
        KeyboardInterrupt()))
    started = time.monotonic()
    conf = conf_fixture.ConfFixture()
    conf.setUp()
    names = ['c%d' % (i + 1) for i in range(args.hosts)]
    cluster = cluster_mod.HaCluster(names, conductors=1, fitlock=True)
    print('Starting %d hosts (agent, fitlockd, shared folder over the '
          'storage network), 3 etcd plane clusters, Nova and a '
          'conductor...' % args.hosts)
    try:
        cluster.setUp()
        run(Demo(cluster, started), names)
    except KeyboardInterrupt:
        print('\nInterrupted.')
    finally:
        print('Cleaning up (namespaces, etcd, Nova, processes, database)...')
        cluster.cleanUp()
        conf.cleanUp()
    print('Done.')


def run(demo, names):
    """Boot, fail a host, watch, summarize."""
    c = demo.c
    screen = Screen()
    victim = names[0]
    demo.banner = 'waiting for every host to be up'
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        hosts = [c.host(n) for n in names]
        if all(h is not None and h.state == 'active' and
               h.mgmt_status == h.service_status == h.storage_status == 'up'
               for h in hosts):
            break
        screen.show(demo.table())
        time.sleep(0.5)
    demo.banner = 'booting instances'
    for name, host, ha in (('web-1', victim, True), ('web-2', victim, True),
                           ('db-1', victim, True), ('scratch', victim, False),
                           ('api-1', names[1], True)):
        demo.names[c.boot(name, host, ha=ha)] = name
        screen.show(demo.table())
    for _ in range(6):
        screen.show(demo.table())
        time.sleep(0.5)
    demo.banner = colour('%s crashed: every process on it is dead, its '
                         'nova-compute too' % victim, 'failed')
    demo.crashed_at = db_now()
    c.crash_host(victim)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        screen.show(demo.table())
        host = c.host(victim)
        if host is not None and host.state == 'recovered':
            break
        time.sleep(0.5)
    demo.banner = colour('recovered', 'recovered')
    lines = demo.table() + demo.timeline(victim)
    violations, report = invariants.check_disks(c.disks_dir())
    lines += ['', 'HA instances of %s now run on other hosts; "scratch" '
              '(HA off) went down with its host; api-1 on %s never moved.'
              % (victim, names[1]),
              'Every evacuation carried its fencing proof: '
              + ', '.join(sorted({_proof_kind(t) for t in c.tasks(
                  type='evacuate')})),
              'Disks checked: %d, each written by one host at a time: %s'
              % (len(report), colour('yes', 'up') if not violations else
                 colour('NO: %s' % '; '.join(map(str, violations)),
                        'down'))]
    for disk, writers in sorted(report.items()):
        lines.append('  %-8s %s' % (demo.names.get(disk, disk[:8]),
                                    ' then '.join(
            '%s until %+.1fs' % (w.host, w.last - _epoch(demo.crashed_at))
            for w in writers)))
    screen.show(lines)


def _epoch(naive_utc):
    return naive_utc.replace(tzinfo=datetime.UTC).timestamp()


def _proof_kind(task):
    return json.loads(task.fence_proof)['kind'] if task.fence_proof \
        else 'none'


def db_now():
    """Now in the database's clock (naive UTC)."""
    return timeutils.utcnow().replace(tzinfo=None)


if __name__ == '__main__':
    main()
