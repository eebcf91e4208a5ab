"""Seeded fault schedules for the cluster, and the run that checks each.

A schedule is drawn from a seed alone (``random.Random(seed)``), so a
failing one is replayed exactly with its seed. Each applies one or two
faults at once to the cluster, holds them for a drawn time, heals
everything, waits until the cloud has settled, then checks:

* no two hosts ever wrote one instance's disk at once (the whole run's
  disks, not only this schedule's);
* no HA instance runs twice;
* an HA instance of a host that HaStack recovered runs exactly once,
  elsewhere;
* no instance of a host that no fault touched has moved.

Faults (one host at a time, so HA never has reason for self-defense):
cut one or two planes of a host for 1-10 s; freeze one plane's etcd
cluster for 1-5 s; kill and restart an agent, a fitlockd (same boot:
its leases survive) or a conductor; and, in one schedule out of
``CRASH_EVERY``, crash a host and boot it again after its recovery.
In one schedule out of ``CONTROL_EVERY``, a control-plane fault joins
the others: RabbitMQ stopped or the database stalled for 1-10 s. It is
drawn from a second random stream, so the host faults of every seed are
the same as before it was added.
"""

import dataclasses
import random
import time

from hastack.common import states
from tests.cluster import harness
from tests.cluster import invariants

CRASH_EVERY = 10
CONTROL_EVERY = 5
PLANES = states.PLANES


@dataclasses.dataclass(frozen=True)
class Fault:
    """One fault: ``kind`` on ``target`` for ``hold`` seconds."""

    kind: str
    target: str
    hold: float
    planes: tuple = ()

    def __str__(self):
        what = '%s %s' % (self.kind, self.target)
        if self.planes:
            what += ' (%s)' % '+'.join(self.planes)
        return '%s for %.1f s' % (what, self.hold)


def schedule(seed, hosts, conductors):
    """The faults of schedule ``seed``: a list of :class:`Fault`."""
    rng = random.Random(seed)
    if seed % CRASH_EVERY == CRASH_EVERY - 1:
        return [Fault('crash', rng.choice(hosts), 0.0)] + \
            _control_faults(seed)
    faults = []
    victim = rng.choice(hosts)
    for _ in range(rng.randint(1, 2)):
        kind = rng.choice(('cut', 'cut', 'cut', 'etcd', 'agent',
                           'fitlockd', 'conductor'))
        if kind == 'cut':
            planes = tuple(sorted(rng.sample(PLANES, rng.randint(1, 2)),
                                  key=PLANES.index))
            faults.append(Fault('cut', victim, round(rng.uniform(1, 10), 1),
                                planes))
        elif kind == 'etcd':
            faults.append(Fault('etcd', rng.choice(PLANES),
                                round(rng.uniform(1, 5), 1)))
        elif kind == 'conductor':
            faults.append(Fault('conductor', rng.choice(conductors), 0.0))
        else:
            faults.append(Fault(kind, victim, 0.0))
    return faults + _control_faults(seed)


def _control_faults(seed):
    """The control-plane fault of schedule ``seed``, if it has one."""
    if seed % CONTROL_EVERY != CONTROL_EVERY // 2:
        return []
    rng = random.Random('control-%d' % seed)
    return [Fault(rng.choice(('rabbitmq', 'database')), 'controllers',
                  round(rng.uniform(1, 10), 1))]


class Nemesis:
    """Runs schedules on a :class:`harness.HaCluster` with Fitlock.

    :param cluster: the cluster (``fitlock=True``).
    :param vms: ``{server id: (host, ha)}`` booted before the run.
    :param log: callable taking one line of progress.
    """

    def __init__(self, cluster, vms, log=print):
        self.c = cluster
        self.vms = dict(vms)
        self.log = log

    def run(self, seed):
        """Apply schedule ``seed``, heal, settle, check.

        :returns: a list of problems (empty when every check holds).
        """
        faults = schedule(seed, self.c.host_names, sorted(self.c.conductors))
        self.log('schedule %d: %s' % (seed, '; '.join(map(str, faults))))
        before = self._placement()
        touched = {f.target for f in faults if f.kind in ('cut', 'crash')}
        failures_before = self._failures()
        fenced_before = len(self._fenced())
        for fault in faults:
            self._apply(fault)
        hold = max([f.hold for f in faults] + [0.0])
        time.sleep(hold)
        for fault in faults:
            self._heal(fault)
        self._settle(faults)
        recovered = self._failures() - failures_before
        # A host whose fitlockd fenced (its storage renewals failed for
        # F, e.g. slow I/O during a control-plane fault on a loaded
        # machine) had its instances stopped: moving them is HA's job.
        touched |= set(self._fenced()[fenced_before:])
        return self._check(before, touched, recovered)

    # -- faults ---------------------------------------------------------

    def _apply(self, fault):
        c = self.c
        if fault.kind == 'cut':
            for plane in fault.planes:
                c.hosts[fault.target].cut(plane)
        elif fault.kind == 'etcd':
            c.planes[fault.target].pause()
        elif fault.kind == 'agent':
            c.restart_agent(fault.target)
        elif fault.kind == 'fitlockd':
            c.restart_fitlockd(fault.target)
        elif fault.kind == 'conductor':
            c.restart_conductor(fault.target)
        elif fault.kind == 'rabbitmq':
            c.stop_rabbitmq()
        elif fault.kind == 'database':
            c.stall_database()
        elif fault.kind == 'crash':
            c.crash_host(fault.target)
            # Boot it again once HaStack has recovered its instances.
            c.wait_host_state(fault.target, 'recovered', timeout=120)

    def _heal(self, fault):
        c = self.c
        if fault.kind == 'cut':
            for plane in fault.planes:
                c.hosts[fault.target].restore(plane)
        elif fault.kind == 'etcd':
            c.planes[fault.target].resume()
        elif fault.kind == 'rabbitmq':
            c.start_rabbitmq()
        elif fault.kind == 'database':
            c.resume_database()
        elif fault.kind == 'crash':
            c.boot_host(fault.target)

    def _settle(self, faults):
        """Wait until every host is active and up and no task is open.

        A host that comes back from a recovery gets its nova-compute
        restarted, as an operator (or the host's reboot) would: Nova
        refuses to clear force-down until that compute has cleaned up
        the guests evacuated away.
        """
        restarted = set()

        def settled():
            hosts = [self.c.host(n) for n in self.c.host_names]
            for host in hosts:
                if host is not None and host.state == \
                        states.HOST_RECOVERING and \
                        host.name not in restarted and \
                        self._evacuations_over(host):
                    self.c.nova.restart_compute(host.name)
                    restarted.add(host.name)
            if not all(h is not None and h.state == states.HOST_ACTIVE and
                       all(getattr(h, '%s_status' % p) == 'up'
                           for p in PLANES) for h in hosts):
                return False
            if [t for t in self.c.tasks()
                    if t.state in states.TASK_OPEN_STATES]:
                return False
            # Every key message handled (a fencing event held up by a
            # stalled database is answered late, and acted on).
            return not any(self.c.controller_inbox(p) for p in PLANES)
        # Allow for H, the grace period, the evacuations and the
        # returning host's retries.
        harness.wait_for(settled, 180, 'the cloud to settle after %s'
                         % '; '.join(map(str, faults)), interval=0.5)

    def _evacuations_over(self, host):
        """Whether the evacuations of the host's current failure ended
        (only then has Nova marked them done, for a restarted compute to
        clean up)."""
        return host.failure_uuid is not None and not [
            t for t in self.c.tasks(failure_uuid=host.failure_uuid,
                                    type='evacuate')
            if t.state in states.TASK_OPEN_STATES]

    # -- checks ---------------------------------------------------------

    def _fenced(self):
        """Hosts told (or left) to fence, one entry per fencing event."""
        return [e.host for e in self.c.events('fencing_event.fence')]

    def _failures(self):
        return {t.failure_uuid for t in self.c.tasks(type='fence')}

    def _placement(self):
        nova = self.c.nova_client()
        return {vm: getattr(nova.servers.get(vm), 'OS-EXT-SRV-ATTR:host')
                for vm in self.vms}

    def _check(self, before, touched, recovered):
        problems = []
        violations, _ = invariants.check_disks(self.c.disks_dir())
        problems += [str(v) for v in violations]
        alive = self.c.instance_pids()
        after = self._placement()
        recovered_hosts = {t.host for t in self.c.tasks(type='fence')
                           if t.failure_uuid in recovered}
        for vm, (home, ha) in self.vms.items():
            copies = alive.get(vm, [])
            if len(copies) > 1:
                problems.append('%s runs %d times: %s' % (vm, len(copies),
                                                          copies))
            if ha and before[vm] in recovered_hosts:
                if len(copies) != 1 or copies[0][0] == before[vm]:
                    problems.append('%s of recovered host %s runs as %s'
                                    % (vm, before[vm], copies))
            if before[vm] not in touched and after[vm] != before[vm]:
                problems.append('%s moved from untouched host %s to %s'
                                % (vm, before[vm], after[vm]))
        return problems
