"""Options of the [fitlock] group: fitlockd, its lockspaces and timing.

The timing options are the inputs of hastack/fitlock/timing.py; fitlockd
refuses to start when ``arbiter_wait + kill_timeout + slop`` exceeds
``watchdog_timeout`` (an instance could then run on two hosts).
"""

from oslo_config import cfg

group = cfg.OptGroup('fitlock', title='Fitlock lease manager')

opts = [
    cfg.StrOpt('directory',
               default='/var/lib/hastack/shared',
               help='The shared folder (CephFS, NFS) holding the lockspace '
                    'files; mounted on every compute host.'),
    cfg.IntOpt('host_id',
               min=1, max=2000,
               help='This host\'s slot in the lockspaces, unique among the '
                    'hosts sharing them. Required by fitlockd.'),
    cfg.StrOpt('host_name',
               help='This host\'s name in its delta lease; defaults to '
                    '[DEFAULT] host.'),
    cfg.ListOpt('lockspaces',
                default=['hastack'],
                help='Lockspaces fitlockd joins at start.'),
    cfg.IntOpt('max_hosts',
               default=256, min=1, max=2000,
               help='Host slots of a lockspace made by "fitlock init".'),
    cfg.FloatOpt('io_timeout',
                 default=10.0, min=0.01,
                 help='N: seconds one storage I/O may take. Renewal every '
                      '2N, fencing from F = 8N, takeover after H = F + W.'),
    cfg.FloatOpt('watchdog_timeout',
                 default=60.0, min=0.01,
                 help='W: seconds after the last keep-alive when the '
                      'watchdog resets the host.'),
    cfg.FloatOpt('arbiter_wait',
                 default=30.0, min=0.0,
                 help='A: seconds to wait for the agent\'s "fence or not?" '
                      'answer; no answer means fence.'),
    cfg.FloatOpt('kill_timeout',
                 default=10.0, min=0.0,
                 help='T_kill: seconds stopping every lease holder may '
                      'take.'),
    cfg.FloatOpt('slop',
                 default=5.0, min=0.0,
                 help='Margin for I/O in flight when holders die, in '
                      'A + T_kill + slop <= W. It must not exceed '
                      'io_timeout: fitlockd refuses to start otherwise.'),
    cfg.StrOpt('fence_command',
               help='Command that stops the holder of a lease that has no '
                    'registered pid, with {lockspace} and {resource} '
                    'placeholders, e.g. "virsh destroy {resource}".'),
    cfg.StrOpt('socket_path',
               default='/run/hastack/fitlockd.sock',
               help='Unix socket of fitlockd\'s API (JSON lines).'),
    cfg.StrOpt('state_dir',
               default='/var/lib/hastack/fitlock',
               help='Local folder where fitlockd keeps what survives its '
                    'restart (never on the shared storage).'),
    cfg.StrOpt('boot_id_file',
               default='/proc/sys/kernel/random/boot_id',
               help='Where this boot\'s id is read (tests point it '
                    'elsewhere to simulate a reboot).'),
    cfg.StrOpt('watchdog_expiry_file',
               help='File where fitlockd publishes until when (monotonic '
                    'seconds) the watchdog may be kept alive; read by '
                    'fitlock-watchdog. Unset: no watchdog.'),
]


def register_opts(conf):
    """Register the [fitlock] options on ``conf``."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
