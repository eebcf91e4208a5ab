"""Options of the [conductor] group: cadence, coordination, fencing and
task execution of hastack-conductor.

The plane clusters a conductor reads are the ``[plane_*]`` groups it
shares with the agents; the detection timing is ``[ha]``.
"""

from oslo_config import cfg

group = cfg.OptGroup('conductor', title='hastack-conductor options')

opts = [
    cfg.FloatOpt('cycle_interval',
                 default=2.0, min=0.1, max=60.0,
                 help='Seconds between two passes of the task engine and '
                      'between two reads of the key-message inboxes. A '
                      'run-time settings change takes effect within one '
                      'pass.'),
    cfg.FloatOpt('monitor_interval',
                 min=0.1, max=600.0,
                 help='Seconds between two reads of the three plane '
                      'clusters by the elected conductor. Defaults to [ha] '
                      'heartbeat_interval.'),
    cfg.IntOpt('workers',
               default=16, min=1, max=512,
               help='Tasks one conductor runs at once (threads). The rate '
                    'limits cap evacuations across every conductor.'),
    cfg.StrOpt('coordination_backend_url',
               help='tooz backend the conductors elect their monitor and '
                    'decider through, e.g. etcd3+http://10.0.0.1:2379. '
                    'Unset: this conductor assumes it is the only one and '
                    'always leads (tasks are still claimed in the '
                    'database, so a second conductor never runs a task '
                    'twice, but both would monitor).'),
    cfg.FloatOpt('task_heartbeat_timeout',
                 default=60.0, min=5.0,
                 help='A running task whose conductor has not renewed its '
                      'claim for this many seconds is taken over by '
                      'another conductor (the first crashed). Keep it well '
                      'above cycle_interval.'),
    cfg.FloatOpt('fence_timeout',
                 default=300.0, min=1.0,
                 help='Seconds one fencing attempt waits for a proof: the '
                      'agent\'s confirmation that it stopped the '
                      'instances, or the host\'s Fitlock delta lease seen '
                      'dead by a peer. The lease proof needs H = F + W '
                      '(140 s with Fitlock\'s defaults), so keep this '
                      'above H.'),
    cfg.FloatOpt('fence_rpc_timeout',
                 default=30.0, min=1.0,
                 help='Seconds to wait for one RPC answer of an agent when '
                      'fencing (fence_instances, inquire_lease).'),
    cfg.IntOpt('no_fence_grant',
               default=120, min=10, max=3600,
               help='Length in seconds of a "no-fence" answer to an '
                    'agent\'s fencing event. fitlockd asks again before it '
                    'ends; while a grant stands the host\'s instances are '
                    'never recovered.'),
    cfg.FloatOpt('storage_abnormal_ratio',
                 default=0.3, min=0.0, max=1.0,
                 help='When at least this fraction of the HA-enabled hosts '
                      '(and at least two) report a fencing event within '
                      'storage_event_window, the shared storage itself is '
                      'judged abnormal: the answer is "no-fence" (fencing '
                      'every host would stop the whole cloud) and recovery '
                      'stops until it is healthy again.'),
    cfg.FloatOpt('storage_event_window',
                 default=300.0, min=1.0,
                 help='Seconds a fencing event counts towards '
                      'storage_abnormal_ratio.'),
    cfg.FloatOpt('evacuate_timeout',
                 default=600.0, min=1.0,
                 help='Seconds one evacuation attempt may take, from the '
                      'evacuate call until the server is ACTIVE or SHUTOFF '
                      'on another host.'),
    cfg.FloatOpt('retry_backoff',
                 default=10.0, min=0.0,
                 help='Seconds before the first retry of a failed task; '
                      'each further retry waits twice as long, up to '
                      'retry_backoff_max.'),
    cfg.FloatOpt('retry_backoff_max',
                 default=300.0, min=0.0,
                 help='Longest wait between two attempts of a task.'),
    cfg.BoolOpt('unforce_down_on_return',
                default=True,
                help='When a failed host comes back (every plane up), '
                     'clear Nova\'s forced-down flag on its compute service '
                     'once Nova has cleaned up the evacuated guests. False: '
                     'leave it to an operator.'),
    cfg.FloatOpt('instance_sync_interval',
                 default=60.0, min=1.0,
                 help='Seconds between two synchronisations of the '
                      'instance table from Nova (HA_Enabled metadata, '
                      'host, status).'),
    cfg.IntOpt('returning_host_attempts',
               default=30, min=1,
               help='Attempts to clear force-down of a returning host '
                    '(Nova refuses until its nova-compute restarted and '
                    'cleaned up the evacuated guests); after that the host '
                    'goes active with an alarm for an operator.'),
]


def register_opts(conf):
    """Register the [conductor] options on ``conf``."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
