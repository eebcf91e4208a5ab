"""Stopping the holders of instance leases: the hand that fences.

A holder is a registered process (the instance's own pid) or, without
one, whatever the configured fence command stops (for libvirt,
``virsh destroy {resource}``). Fencing must finish within ``T_kill``
(timing.py); what is still running then is reported, and the watchdog is
the last resort.
"""

import os
import shlex
import signal
import subprocess
import time

from oslo_log import log as logging

LOG = logging.getLogger(__name__)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie child counts as dead: reap it if it is ours.
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return _not_zombie(pid)


def _not_zombie(pid):
    try:
        with open('/proc/%d/stat' % pid) as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except (FileNotFoundError, IndexError):
        return False


def alive_pids(pids):
    """The pids of ``pids`` that still run."""
    return {p for p in pids if _alive(p)}


def kill_pids(pids, deadline):
    """SIGKILL every pid and wait (until ``deadline``, monotonic) for them
    to be gone.

    :returns: the pids still alive at the deadline (empty on success).
    """
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    remaining = alive_pids(pids)
    while remaining and time.monotonic() < deadline:
        time.sleep(0.01)
        remaining = alive_pids(remaining)
    return remaining


def run_fence_command(template, lockspace, resource, deadline):
    """Run the configured fence command for one resource.

    :param template: a command line with ``{lockspace}`` and
        ``{resource}`` placeholders.
    :returns: True when it exited 0 before ``deadline``.
    """
    argv = [part.format(lockspace=lockspace, resource=resource)
            for part in shlex.split(template)]
    timeout = max(0.0, deadline - time.monotonic())
    try:
        # The command comes from the operator's config, not from a client.
        result = subprocess.run(argv, capture_output=True, timeout=timeout,  # noqa: S603
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        LOG.error('Fence command %s failed: %s', argv, e)
        return False
    if result.returncode != 0:
        LOG.error('Fence command %s exited %d: %s', argv, result.returncode,
                  result.stderr.decode('utf-8', 'replace').strip())
    return result.returncode == 0


def fence(lockspace, holders, resources, fence_command, kill_time):
    """Stop every holder of ``resources`` within ``kill_time`` seconds.

    :param holders: ``{resource: set(pids)}``.
    :param resources: the leases to fence.
    :param fence_command: the command for leases without pids (or None).
    :returns: ``{resource: reason}`` for the leases whose holders may
        still run (empty when all stopped).
    """
    deadline = time.monotonic() + kill_time
    failed = {}
    pids = set()
    for resource in resources:
        pids |= holders.get(resource, set())
    still = kill_pids(pids, deadline)
    for resource in resources:
        mine = holders.get(resource, set())
        if mine & still:
            failed[resource] = 'pids %s still alive' % sorted(mine & still)
        elif not mine:
            if fence_command is None:
                failed[resource] = ('no holder pid registered and no '
                                    'fence_command configured')
            elif not run_fence_command(fence_command, lockspace, resource,
                                       deadline):
                failed[resource] = 'fence command failed'
    return failed
