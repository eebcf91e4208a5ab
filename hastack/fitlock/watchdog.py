"""The watchdog: the last line of defence when fitlockd itself is stuck.

``fitlock-watchdog`` is a separate, tiny process. It keeps the watchdog
device alive (one write per interval) only while the time fitlockd
publishes in its expiry file (monotonic seconds, timing.feeder_may_pet)
lies in the future. When fitlockd hangs, is frozen or dies, the expiry
passes, the keep-alives stop, and the device resets the host ``W`` later:
at ``F + W = H`` after the last good renewal at the latest, before any
other host may take its leases.

``fitlock-fake-watchdog`` stands in for ``/dev/watchdog`` in tests, where
no watchdog hardware (or softdog) can reset a host: a regular file whose
writes are the keep-alives, and a command run when they stop for ``W``.
It is a fake at the hardware boundary only.
"""

import fcntl
import math
import os
import stat
import subprocess
import time

# linux/watchdog.h: _IOWR('W', 6, int)
WDIOC_SETTIMEOUT = 0xC0045706


def read_expiry(path):
    """The published expiry; -inf when missing or unreadable (no pets)."""
    try:
        with open(path) as f:
            return float(f.read().strip())
    except (OSError, ValueError):
        return -math.inf


def may_pet(expiry_path, now=None):
    """Whether a keep-alive may be sent now."""
    now = time.monotonic() if now is None else now
    return now < read_expiry(expiry_path)


def feed(device, expiry_path, timeout, interval, stop=None, clock=None):
    """Keep ``device`` alive while fitlockd's expiry allows.

    :param device: the watchdog device (or the fake's file).
    :param expiry_path: fitlockd's published expiry.
    :param timeout: W, set on a real device.
    :param interval: seconds between keep-alives (well below W).
    :param stop: optional callable returning True to end (a clean stop,
        e.g. on SIGTERM).
    :returns: whether the device was disarmed (see below).
    """
    clock = clock or time.monotonic
    fd = os.open(device, os.O_WRONLY | os.O_APPEND)
    try:
        if stat.S_ISCHR(os.fstat(fd).st_mode):
            try:
                fcntl.ioctl(fd, WDIOC_SETTIMEOUT, int(math.ceil(timeout)))
            except OSError as e:
                raise OSError('cannot set the watchdog timeout to %s s: %s'
                              % (timeout, e))
        while not (stop and stop()):
            if clock() < read_expiry(expiry_path):
                os.write(fd, b'.')
            time.sleep(interval)
        # A clean stop was asked. SAFETY: the device is disarmed (the
        # magic close, 'V') only when fitlockd holds no lease at all (an
        # unbounded expiry): then no other host waits on this one's
        # death, and the host may be taken out of HA without a reset.
        # With any lease held, stopping the feeder is fencing: the
        # device stays armed and resets the host W later.
        disarm = read_expiry(expiry_path) == math.inf
        if disarm:
            os.write(fd, b'V')
        return disarm
    finally:
        # NOTE(hastack): an exception or a crash never reaches the magic
        # close: the device stays armed.
        os.close(fd)


def fake_device(path, timeout, fire_command, poll=0.02, stop=None):
    """Watch a regular file for keep-alive writes; fire after ``timeout``
    seconds without one by running ``fire_command`` (once).

    :returns: the monotonic time it fired, or None when stopped first.
    """
    open(path, 'ab').close()
    last_size = os.stat(path).st_size
    last_pet = time.monotonic()
    while not (stop and stop()):
        size = os.stat(path).st_size
        now = time.monotonic()
        if size != last_size:
            last_size, last_pet = size, now
        elif now - last_pet >= timeout:
            # The command is the test's own, from its command line.
            subprocess.run(fire_command, shell=True, check=False)  # noqa: S602
            return now
        time.sleep(poll)
    return None
