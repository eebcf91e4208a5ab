"""Options of the [ha] group: detection timing, retries and rate limits.

These are the defaults of the run-time settings. Operators change the
effective values while HaStack runs through ``PATCH /v1/settings``; a value
stored there wins over the one here until it is reset.
"""

from oslo_config import cfg

group = cfg.OptGroup('ha', title='High availability behaviour')

opts = [
    cfg.IntOpt('heartbeat_interval',
               default=20,
               min=1, max=600,
               help='Seconds between two heartbeats of an agent on each '
                    'plane, and between two reads of the plane clusters by '
                    'the conductor. The agents\' etcd lease TTL is three '
                    'times this.'),
    cfg.IntOpt('grace_period',
               default=120,
               min=0, max=3600,
               help='Seconds a host must stay in a plane vector that the '
                    'active strategy says to recover before it is declared '
                    'failed and recovery starts.'),
    cfg.IntOpt('max_retries',
               default=5,
               min=0, max=100,
               help='How many times a failed HA task is retried before it '
                    'is left failed for an operator.'),
    cfg.IntOpt('global_rate_limit',
               default=20,
               min=1, max=10000,
               help='The most evacuations in flight at once across the '
                    'whole cloud. Further ones wait as deferred tasks.'),
    cfg.IntOpt('host_rate_limit',
               default=10,
               min=1, max=10000,
               help='The most evacuations in flight at once from one '
                    'failed host.'),
    cfg.FloatOpt('self_defense_ratio',
                 default=0.5,
                 min=0.0, max=1.0,
                 help='Self-defense: when at least this fraction of the '
                      'HA-enabled hosts look down at once, HaStack suspects '
                      'its own view (a controller-side network fault) and '
                      'stops recovering.'),
    cfg.FloatOpt('self_recovery_ratio',
                 default=0.7,
                 min=0.0, max=1.0,
                 help='Self-recovery: HA resumes after self-defense once at '
                      'least this fraction of the HA-enabled hosts are up '
                      'again. It must be above 1 - self_defense_ratio, '
                      'or HA would resume in the very state that stopped '
                      'it and flap.'),
]


def register_opts(conf):
    """Register the [ha] options on ``conf``."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
