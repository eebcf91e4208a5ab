"""The bridge from Nova's compute to a harness host's "process"
hypervisor: ``start`` or ``stop`` one instance on one host.

Nova's fake virt driver (the hypervisor boundary) of the test Nova
server calls this program from its spawn, destroy, power_on and
power_off (tests/functional/nova/server.py, ``--instance-hook``)::

    <harness python> instance_hook.py <hosts.json> start|stop <host> <uuid>

``hosts.json`` (written by the harness) gives per host its namespace,
shared-storage mount point, fitlockd socket, lockspace and instance
folder. ``start`` runs tests/cluster/instance.py in the host's namespace
and exits 0 once it holds its lease (1 with the reason otherwise: the
spawn fails, as a libvirt start fails when the hook refuses). ``stop``
sends SIGTERM (SIGKILL after 5 s) and exits 0 whether or not it ran.
"""

import json
import os
import select
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
START_TIMEOUT = 30.0


def _host(hosts_file, host):
    with open(hosts_file) as f:
        hosts = json.load(f)
    if host not in hosts:
        raise SystemExit('instance_hook: unknown host %s' % host)
    return hosts[host]


def start(info, host, uuid):
    """Start the instance process; 0 once READY."""
    log = open(os.path.join(info['logs'], '%s.log' % uuid), 'ab')
    process = subprocess.Popen(
        ['ip', 'netns', 'exec', info['namespace'], sys.executable,
         os.path.join(HERE, 'instance.py'), '--uuid', uuid, '--host', host,
         '--disk', os.path.join(info['mount'], 'disks', uuid),
         '--socket', info['socket'], '--lockspace', info['lockspace'],
         '--instances-dir', info['instances']],
        stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL,
        start_new_session=True)
    deadline = time.monotonic() + START_TIMEOUT
    line = b''
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            line = process.stdout.readline()
            break
        if process.poll() is not None:
            break
    text = line.decode(errors='replace').strip()
    if text.startswith('READY'):
        # The instance keeps running after this program exits; its
        # stdout is not read again.
        return 0
    if process.poll() is None:
        process.kill()
    print('instance %s did not start on %s: %s' % (
        uuid, host, text or 'no answer within %.0f s' % START_TIMEOUT),
        file=sys.stderr)
    return 1


def stop(info, host, uuid):
    """Stop the instance process if it runs; always 0."""
    path = os.path.join(info['instances'], '%s.pid' % uuid)
    try:
        with open(path) as f:
            pid = int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 0
    for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and os.path.exists(
                '/proc/%d' % pid):
            time.sleep(0.05)
        if not os.path.exists('/proc/%d' % pid):
            break
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    return 0


def main(argv):
    """``hosts.json action host uuid``."""
    if len(argv) != 4 or argv[1] not in ('start', 'stop'):
        raise SystemExit('usage: instance_hook.py HOSTS_JSON start|stop '
                         'HOST UUID')
    hosts_file, action, host, uuid = argv
    info = _host(hosts_file, host)
    return (start if action == 'start' else stop)(info, host, uuid)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
