"""Choose oslo.service's threading backend before anything else can.

NOTE(hastack): oslo.service picks its concurrency backend once per process,
the first time anything asks for it, and falls back to eventlet. Importing
oslo.messaging (or anything else that touches ``oslo_service.service``) is
enough to ask. HaStack runs on native threads, so every entry point (the
console scripts' package and the WSGI package) calls :func:`use_threading`
in its ``__init__``, before its modules import those libraries.
"""

import warnings

from oslo_service import backend


def use_threading():
    """Make threading the backend whenever one is first needed.

    Registered as oslo.service's default hook rather than selected at
    once: selecting imports the backend (and, through futurist, eventlet),
    which commands that never use oslo.service (fitlock, the libvirt hook)
    should not pay for on every run.
    """
    # NOTE(hastack): the threading backend imports futurist, which imports
    # eventlet merely because it is installed (oslo.service depends on it),
    # and eventlet warns on import that it is deprecated. HaStack never
    # uses eventlet; the warning would only confuse operators.
    warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
    backend.register_backend_default_hook(
        lambda: backend.BackendType.THREADING)
