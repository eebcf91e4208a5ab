"""``hastack-conductor``: plane monitor, HA decisions, fencing arbitration
and the task engine."""

import faulthandler
import signal
import sys

from oslo_log import log as logging
from oslo_service import service as oslo_service

from hastack import conf
from hastack import version
from hastack.common import notifications
from hastack.common import rpc
from hastack.conductor import service

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def main(argv=None):
    """Run a conductor until SIGTERM."""
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='hastack',
         version=version.version_string)
    logging.setup(CONF, 'hastack-conductor')
    # ``kill -USR2 <pid>`` writes every thread's stack to stderr (the log
    # under systemd): what an operator needs to see a stuck conductor.
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    notifications.init(CONF, 'hastack-conductor.%s' % CONF.host)
    conductor = service.Conductor(CONF)
    launcher = oslo_service.launch(CONF, conductor, restart_method='mutate')
    try:
        launcher.wait()
    finally:
        rpc.cleanup()
    return 0
