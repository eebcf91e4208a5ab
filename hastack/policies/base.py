"""Check strings shared by every HaStack policy.

HaStack's API serves four personas; each rule in this package grants an
operation to a combination of them:

``admin``
    The cloud operator (Keystone ``admin`` role). HaStack protects hosts,
    not projects, so an admin manages the whole cloud's HA: hosts,
    strategies, the run-time settings, the HA maintenance switch, tasks and
    events of every project.

``member`` of a project
    An instance owner (Keystone ``member`` role on the project that owns
    the instances). A member may see the HA state of the project's
    instances and turn HA on or off for them, or change their evacuation
    priority.

``reader`` of a project
    A read-only instance owner (Keystone ``reader`` role on the project).
    A reader sees the project's instances and the HA tasks and events that
    concern them, and changes nothing.

``service``
    HaStack's own agents and conductors and other OpenStack services
    (Keystone ``service`` role). Agents register and update the host they
    run on; services read the state HaStack keeps.

Keystone's implied roles make ``admin`` also a ``member`` and a ``reader``
of the project its token is scoped to, and ``member`` also a ``reader``.
Every HaStack rule is project scoped: HaStack has no system-scoped
operations, and cloud-wide powers come from the ``admin`` role.
"""

ADMIN = 'role:admin'
SERVICE = 'role:service'
PROJECT_READER = 'role:reader and project_id:%(project_id)s'
PROJECT_MEMBER = 'role:member and project_id:%(project_id)s'

# NOTE(hastack): the service persona joins every "or admin" combination so
# that HaStack's conductor and other services can see and update the
# instances of any project without being given the admin role.
ADMIN_OR_SERVICE = f'{ADMIN} or {SERVICE}'
PROJECT_READER_OR_ADMIN = f'({PROJECT_READER}) or {ADMIN} or {SERVICE}'
PROJECT_MEMBER_OR_ADMIN = f'({PROJECT_MEMBER}) or {ADMIN} or {SERVICE}'

