"""sd_notify for a ``Type=notify`` unit: readiness and watchdog pings.

A few lines of the protocol (a datagram to ``$NOTIFY_SOCKET``) rather
than a dependency; without ``NOTIFY_SOCKET`` (not under systemd) every
call does nothing.
"""

import os
import socket


def notify(state):
    """Send ``state`` (e.g. ``READY=1``) to systemd.

    :returns: True when sent.
    """
    address = os.environ.get('NOTIFY_SOCKET')
    if not address:
        return False
    if address.startswith('@'):
        address = '\0' + address[1:]
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(address)
            sock.sendall(state.encode())
        except OSError:
            return False
    return True


def watchdog_interval():
    """Seconds between keep-alives (half of ``WatchdogSec``), or None."""
    usec = os.environ.get('WATCHDOG_USEC')
    pid = os.environ.get('WATCHDOG_PID')
    if not usec or (pid and int(pid) != os.getpid()):
        return None
    return int(usec) / 1e6 / 2
