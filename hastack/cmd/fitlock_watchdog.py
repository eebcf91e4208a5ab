"""``fitlock-watchdog`` and ``fitlock-fake-watchdog`` (see
hastack/fitlock/watchdog.py)."""

import argparse
import signal
import sys
import threading

from hastack.fitlock import watchdog


def feeder_main(argv=None):
    """``fitlock-watchdog``: feed the device while fitlockd allows."""
    parser = argparse.ArgumentParser(prog='fitlock-watchdog',
                                     description=feeder_main.__doc__)
    parser.add_argument('--device', default='/dev/watchdog')
    parser.add_argument('--expiry-file', required=True,
                        help='[fitlock] watchdog_expiry_file of fitlockd')
    parser.add_argument('--timeout', type=float, default=60.0,
                        help='W, seconds ([fitlock] watchdog_timeout)')
    parser.add_argument('--interval', type=float, default=None,
                        help='seconds between keep-alives (default W/10)')
    args = parser.parse_args(argv)
    stopping = threading.Event()
    # SIGTERM (systemctl stop) is a clean stop: feed() then disarms the
    # device only if fitlockd holds no lease.
    signal.signal(signal.SIGTERM, lambda *a: stopping.set())
    try:
        disarmed = watchdog.feed(args.device, args.expiry_file, args.timeout,
                                 args.interval or args.timeout / 10,
                                 stop=stopping.is_set)
    except OSError as e:
        print('fitlock-watchdog: %s' % e, file=sys.stderr)
        return 1
    print('fitlock-watchdog: stopped; the device is %s' % (
        'disarmed (no lease held)' if disarmed else
        'still armed (leases held): the host resets when it expires'),
        file=sys.stderr)
    return 0


def fake_main(argv=None):
    """``fitlock-fake-watchdog``: a file-backed watchdog for tests."""
    parser = argparse.ArgumentParser(prog='fitlock-fake-watchdog',
                                     description=fake_main.__doc__)
    parser.add_argument('--device', required=True)
    parser.add_argument('--timeout', type=float, required=True)
    parser.add_argument('--fire-command', required=True)
    args = parser.parse_args(argv)
    fired = watchdog.fake_device(args.device, args.timeout, args.fire_command)
    print('fired at %s' % fired, flush=True)
    return 0
