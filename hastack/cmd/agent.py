"""``hastack-agent``: heartbeats, key messages, Fitlock arbiter, fencing."""

import signal
import sys
import threading

from oslo_log import log as logging

from hastack import conf
from hastack import version
from hastack.agent import hypervisor
from hastack.agent import service
from hastack.common import rpc

CONF = conf.CONF
LOG = logging.getLogger(__name__)


def main(argv=None):
    """Run the agent until SIGTERM."""
    logging.register_options(CONF)
    CONF(sys.argv[1:] if argv is None else argv, project='hastack',
         version=version.version_string)
    logging.setup(CONF, 'hastack-agent')
    try:
        agent = service.Agent(CONF)
        agent.start()
    except (hypervisor.base.HypervisorError, OSError) as e:
        print('hastack-agent: %s' % e, file=sys.stderr)
        return 1
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: done.set())
    signal.signal(signal.SIGINT, lambda *a: done.set())
    done.wait()
    agent.stop()
    rpc.cleanup()
    return 0
