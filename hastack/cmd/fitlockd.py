"""``fitlockd``: the per-host Fitlock lease manager."""

import signal
import sys
import threading

from oslo_log import log as logging

from hastack import conf
from hastack import version
from hastack.fitlock import daemon as daemon_mod
from hastack.fitlock import errors
from hastack.fitlock import timing

CONF = conf.CONF
LOG = logging.getLogger(__name__)


# Most seconds between two tries to join a lockspace whose storage failed.
JOIN_RETRY_MAX = 30.0


def _join_all(daemon, names, wait):
    """Join every lockspace of ``names``.

    A join the storage failed (an I/O error or timeout: the shared folder
    is slow or not mounted yet, as early in a boot) is tried again, after
    2N and then twice as long each time up to :data:`JOIN_RETRY_MAX`, until
    it works: a host that has not joined cannot start its instances (the
    libvirt hook refuses). Trying again is what a restart of fitlockd would
    do, with more known (the storage layer still tracks the I/Os in
    flight). Other errors are configuration (unknown lockspace,
    io_timeout mismatch): logged, not tried again.

    :param wait: callable(seconds) that returns True when fitlockd stops.
    """
    delay = {}
    pending = list(names)
    while pending:
        failed = []
        for name in pending:
            try:
                daemon.join(name)
            except errors.IOFailure as e:
                delay[name] = min(JOIN_RETRY_MAX, 2 * delay[name]) \
                    if name in delay else daemon.timing.renewal_interval
                LOG.warning('Could not join lockspace %s: %s; trying again '
                            'in %.1f s', name, e, delay[name])
                failed.append(name)
            except errors.FitlockError as e:
                LOG.error('Could not join lockspace %s: %s', name, e)
        pending = failed
        if pending and wait(min(delay[n] for n in pending)):
            return


def main(argv=None):
    """Start fitlockd; stops renewing (without releasing) on SIGTERM."""
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='hastack',
         version=version.version_string)
    logging.setup(CONF, 'fitlockd')
    try:
        daemon = daemon_mod.Daemon(CONF)
        daemon.lock_state_dir()
        server = daemon_mod.serve(daemon, CONF.fitlock.socket_path)
    except (timing.UnsafeTiming, errors.FitlockError, OSError) as e:
        print('fitlockd: %s' % e, file=sys.stderr)
        return 1

    def _terminate(signum, frame):
        # serve_forever must be shut down from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    if CONF.fitlock.watchdog_expiry_file:
        threading.Thread(target=daemon.publish_watchdog_expiry,
                         args=(CONF.fitlock.watchdog_expiry_file,),
                         daemon=True, name='watchdog-expiry').start()
    stopping = threading.Event()
    threading.Thread(target=_join_all,
                     args=(daemon, CONF.fitlock.lockspaces, stopping.wait),
                     daemon=True, name='join').start()
    LOG.info('fitlockd serving on %s (host %s, %s)',
             CONF.fitlock.socket_path, daemon.owner, daemon.timing)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        stopping.set()
        daemon.stop()
        server.server_close()
    return 0
