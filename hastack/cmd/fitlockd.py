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


def _join_all(daemon):
    for name in CONF.fitlock.lockspaces:
        try:
            daemon.join(name)
        except errors.FitlockError as e:
            LOG.error('Could not join lockspace %s: %s', name, e)


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
    threading.Thread(target=_join_all, args=(daemon,), daemon=True,
                     name='join').start()
    LOG.info('fitlockd serving on %s (host %s, %s)',
             CONF.fitlock.socket_path, daemon.owner, daemon.timing)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        daemon.stop()
        server.server_close()
    return 0
