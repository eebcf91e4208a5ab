"""Options of hastack-agent: [agent] and one group per network plane.

Each plane group names that plane's etcd cluster and the local address to
reach it from, so a heartbeat on the service plane really travels over the
service network.
"""

from oslo_config import cfg

from hastack.common import states

group = cfg.OptGroup('agent', title='hastack-agent options')

# Group name of each plane's options.
PLANE_GROUPS = {'mgmt': 'plane_mgmt', 'service': 'plane_service',
                'storage': 'plane_storage'}

opts = [
    cfg.IntOpt('heartbeat_interval',
               min=1,
               help='Seconds between heartbeats on each plane; the etcd '
                    'lease TTL is three times this. Defaults to [ha] '
                    'heartbeat_interval.'),
    cfg.StrOpt('lockspace',
               default='hastack',
               help='The Fitlock lockspace of this host\'s instance '
                    'leases.'),
    cfg.FloatOpt('arbiter_answer_margin',
                 default=2.0, min=0.0,
                 help='Seconds kept in hand when answering fitlockd: the '
                      'agent waits for the conductor until the query\'s '
                      'deadline minus this, then answers "fence".'),
    cfg.IntOpt('maintenance_grant',
               default=60, min=1,
               help='While ha_maintenance is on, fitlockd\'s "fence or '
                    'not?" gets "no-fence" for this many seconds (asked '
                    'again before it ends).'),
    cfg.IntOpt('fencing_report_window',
               default=600, min=0,
               help='When fitlockd fenced because no conductor answered '
                    'in time, the agent reports the fencing event again '
                    'every few seconds for up to this many seconds, until '
                    'a conductor answers; the conductor then recovers the '
                    'instances that were stopped. 0 reports only once.'),
    cfg.IntOpt('message_ttl',
               default=120, min=5,
               help='Seconds a key message stays in etcd (under a lease) '
                    'for the receiver to find.'),
    cfg.StrOpt('shared_mount_point',
               help='Where the shared folder (CephFS/NFS) is mounted; '
                    'checked for presence and writability and reported '
                    'with the heartbeats. Defaults to [fitlock] '
                    'directory.'),
    cfg.BoolOpt('shared_must_be_mount',
                default=True,
                help='Whether the shared folder must be a mount point (a '
                     'folder on the local disk is not shared storage).'),
    cfg.StrOpt('mount_command',
               help='Command that mounts the shared folder when it is not '
                    'mounted, e.g. "mount -t ceph ...". Unset: never mount, '
                    'only check.'),
    cfg.StrOpt('hypervisor',
               default='libvirt',
               choices=[('libvirt', 'libvirt domains (production)'),
                        ('process', 'local processes registered in '
                         'process_instances_dir: the test hypervisor of '
                         'the cluster harness, where a real one cannot '
                         'run')],
               help='How instances on this host are listed and stopped.'),
    cfg.StrOpt('process_instances_dir',
               help='The "process" hypervisor: the folder where each '
                    'running instance leaves <uuid>.pid.'),
    cfg.StrOpt('libvirt_uri',
               default='qemu:///system',
               help='The libvirt connection of the libvirt driver.'),
]


def plane_opts():
    """The options every plane group has."""
    return [
        cfg.ListOpt('endpoints',
                    default=[],
                    help='URLs of this plane\'s etcd cluster members, e.g. '
                         'http://10.0.1.1:2379.'),
        cfg.HostAddressOpt('local_address',
                           help='Local address to send from, on this '
                                'plane\'s network; unset: let routing '
                                'choose.'),
        cfg.FloatOpt('timeout',
                     default=5.0, min=0.1,
                     help='Seconds one request to this plane\'s etcd may '
                          'take.'),
    ]


def register_opts(conf):
    """Register [agent] and the plane groups on ``conf``."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
    for plane in states.PLANES:
        conf.register_opts(plane_opts(), group=PLANE_GROUPS[plane])


def list_opts():
    """(group, opts) pairs for the sample config generator."""
    return [(group, opts)] + [(PLANE_GROUPS[p], plane_opts())
                              for p in states.PLANES]
