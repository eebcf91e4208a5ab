"""The vocabularies of HaStack's records: states, planes, types, severities.

One place for the words the database, the API schemas and the conductor
share, so a state cannot be spelled two ways.
"""

# Network planes, in the order of a plane vector (mgmt, service, storage).
PLANES = ('mgmt', 'service', 'storage')

# Status of one plane of one host, as the conductor reads it from that
# plane's etcd cluster.
PLANE_UP = 'up'
PLANE_DOWN = 'down'
PLANE_UNKNOWN = 'unknown'
PLANE_STATUSES = (PLANE_UP, PLANE_DOWN, PLANE_UNKNOWN)

# Host states (design section 6).
HOST_ACTIVE = 'active'
HOST_SUSPECT = 'suspect'
HOST_FAILED = 'failed'
HOST_FENCING = 'fencing'
HOST_FENCED = 'fenced'
HOST_RECOVERING = 'recovering'
HOST_RECOVERED = 'recovered'
HOST_MAINTENANCE = 'maintenance'
HOST_STATES = (HOST_ACTIVE, HOST_SUSPECT, HOST_FAILED, HOST_FENCING,
               HOST_FENCED, HOST_RECOVERING, HOST_RECOVERED,
               HOST_MAINTENANCE)

# Task types and states (design sections 6 and 8).
TASK_EVACUATE = 'evacuate'
TASK_FENCE = 'fence'
TASK_FORCE_DOWN = 'force_down'
TASK_UNFORCE_DOWN = 'unforce_down'
TASK_TYPES = (TASK_EVACUATE, TASK_FENCE, TASK_FORCE_DOWN, TASK_UNFORCE_DOWN)

TASK_PENDING = 'pending'
TASK_RUNNING = 'running'
TASK_SUCCEEDED = 'succeeded'
TASK_FAILED = 'failed'
TASK_CANCELLED = 'cancelled'
TASK_DEFERRED = 'deferred'
TASK_STATES = (TASK_PENDING, TASK_RUNNING, TASK_SUCCEEDED, TASK_FAILED,
               TASK_CANCELLED, TASK_DEFERRED)
# A task in one of these states may still act; a host with one cannot be
# deleted.
TASK_OPEN_STATES = (TASK_PENDING, TASK_RUNNING, TASK_DEFERRED)

# Kinds of proof that an instance is fenced (design section 8).
FENCE_PROOF_KINDS = ('agent_ack', 'lease_expired', 'operator')

# Event severities, lowest first.
SEVERITIES = ('info', 'warning', 'error', 'critical')

# Nova server statuses that HA evacuates (the slides' ACTIVE/STOPPED/ERROR).
EVACUABLE_SERVER_STATUSES = ('ACTIVE', 'SHUTOFF', 'ERROR')

# The Nova server metadata key that marks an instance HA-enabled. Masakari
# uses the same key, so images and templates written for it keep working.
HA_METADATA_KEY = 'HA_Enabled'
