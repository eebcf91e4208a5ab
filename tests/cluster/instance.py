"""One instance of the cluster harness's "process" hypervisor.

It does what a guest whose disk is on shared storage does, minus the
guest: it takes the instance's Fitlock lease (as the libvirt hook does
before QEMU starts; refused while another live host holds it), registers
in the host's instance folder, then appends ``<host> <pid> <seq> <time>``
to the instance's disk file on the shared storage every ``--period``
seconds, until SIGTERM (a clean stop: lease released) or SIGKILL (a
power-off or a crash).

Run it inside the host's network namespace with the harness's python::

    python instance.py --uuid U --host c1 --disk /mnt/c1/disks/U
        --socket /run/c1/fitlockd.sock --lockspace hastack
        --instances-dir /run/c1/instances

It prints ``READY <pid>`` once it holds the lease and has written, or
``REFUSED <reason>`` and exits 3 when the lease is not granted.
"""

import argparse
import os
import signal
import sys
import time

from hastack.fitlock import client as fitlock_client


def main():
    """Run one instance until stopped."""
    parser = argparse.ArgumentParser()
    for name in ('--uuid', '--host', '--disk', '--socket', '--lockspace',
                 '--instances-dir'):
        parser.add_argument(name, required=True)
    parser.add_argument('--period', type=float, default=0.1)
    args = parser.parse_args()
    stopping = []
    signal.signal(signal.SIGTERM, lambda *a: stopping.append(True))
    try:
        with fitlock_client.Client(args.socket, timeout=60) as client:
            client.call('acquire', lockspace=args.lockspace,
                        resource=args.uuid, pid=os.getpid())
    except (OSError, ValueError, fitlock_client.RemoteError) as e:
        print('REFUSED %s' % e, flush=True)
        return 3
    os.makedirs(os.path.dirname(args.disk), exist_ok=True)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_DSYNC
    disk = os.open(args.disk, flags, 0o644)
    pid_file = os.path.join(args.instances_dir, '%s.pid' % args.uuid)
    os.makedirs(args.instances_dir, exist_ok=True)
    with open(pid_file + '.tmp', 'w') as f:
        f.write('%d\n' % os.getpid())
    os.replace(pid_file + '.tmp', pid_file)
    seq = 0
    ready = False
    while not stopping:
        seq += 1
        line = '%s %d %d %.6f\n' % (args.host, os.getpid(), seq,
                                    time.time())
        try:
            os.write(disk, line.encode())
        except OSError as e:
            # The storage is gone: a real guest would hang or die on its
            # I/O; this one keeps trying, and its lease decides its fate.
            print('write failed: %s' % e, file=sys.stderr, flush=True)
        if not ready:
            print('READY %d' % os.getpid(), flush=True)
            ready = True
        time.sleep(args.period)
    os.close(disk)
    try:
        os.unlink(pid_file)
    except FileNotFoundError:
        pass
    try:
        with fitlock_client.Client(args.socket, timeout=10) as client:
            client.call('release', lockspace=args.lockspace,
                        resource=args.uuid)
    except (OSError, ValueError, fitlock_client.RemoteError) as e:
        print('release failed: %s' % e, file=sys.stderr, flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
