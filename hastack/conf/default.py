"""Options of the [DEFAULT] group shared by every HaStack process."""

import socket

from oslo_config import cfg

opts = [
    cfg.StrOpt('host',
               default=socket.gethostname(),
               sample_default='<hostname>',
               help='Name of this node. Conductors use it as their RPC '
                    'server name and as the owner of the tasks they '
                    'claim; agents use it as the compute host name, which '
                    'must match the Nova compute service host.'),
    cfg.StrOpt('state_path',
               default='/var/lib/hastack',
               help='Directory where HaStack keeps its state (the SQLite '
                    'database by default).'),
]


def register_opts(conf):
    """Register the [DEFAULT] options on ``conf``."""
    conf.register_opts(opts)
