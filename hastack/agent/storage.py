"""The shared folder: is it mounted, can this host write and read it?

The answer goes out with every heartbeat (``storage_ok``), so the
conductor can tell "this host lost storage" from "storage is down for
everyone". The probe is a real O_DIRECT|O_DSYNC write and read of one
aligned block, bounded in time: a hung mount reads as not ok.
"""

import concurrent.futures
import os
import shlex
import subprocess

from oslo_log import log as logging

from hastack.fitlock import storage as fitlock_storage

LOG = logging.getLogger(__name__)

BLOCK = fitlock_storage.BLOCK

_pool = concurrent.futures.ThreadPoolExecutor(
    max_workers=2, thread_name_prefix='storage-probe')


def _probe(path, payload):
    fd = os.open(path, fitlock_storage.open_flags() | os.O_CREAT, 0o600)
    try:
        fitlock_storage.write_block(fd, 0, payload)
        (back,) = fitlock_storage.read_blocks(fd, 0, 1)
    finally:
        os.close(fd)
    return back == payload


def check(mount_point, host, must_be_mount=True, timeout=5.0):
    """Whether the shared folder works for this host.

    :returns: ``(ok, detail)``.
    """
    if not os.path.isdir(mount_point):
        return False, '%s does not exist' % mount_point
    if must_be_mount and not os.path.ismount(mount_point):
        return False, '%s is not mounted' % mount_point
    path = os.path.join(mount_point, '.hastack-probe-%s' % host)
    payload = ('%s %s' % (host, os.urandom(8).hex())).encode().ljust(
        BLOCK, b'\0')
    future = _pool.submit(_probe, path, payload)
    try:
        if not future.result(timeout=timeout):
            return False, 'what was written to %s did not read back' % path
    except concurrent.futures.TimeoutError:
        return False, 'I/O on %s hung for over %s s' % (mount_point,
                                                       timeout)
    except OSError as e:
        return False, 'I/O on %s failed: %s' % (mount_point, e)
    return True, 'mounted and writable'


def ensure_mounted(mount_point, mount_command, timeout=60.0):
    """Run ``mount_command`` when ``mount_point`` is not mounted.

    :returns: True when it is mounted (already, or now).
    """
    if os.path.ismount(mount_point):
        return True
    if not mount_command:
        return False
    os.makedirs(mount_point, exist_ok=True)
    argv = shlex.split(mount_command)
    try:
        # The command is the operator's own, from the agent's config.
        result = subprocess.run(argv, capture_output=True, timeout=timeout,  # noqa: S603
                                check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        LOG.error('Mounting %s with %s failed: %s', mount_point, argv, e)
        return False
    if result.returncode != 0:
        LOG.error('Mounting %s with %s exited %d: %s', mount_point, argv,
                  result.returncode,
                  result.stderr.decode('utf-8', 'replace').strip())
    return os.path.ismount(mount_point)
