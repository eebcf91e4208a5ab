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
from oslo_service.backend import exceptions


def use_threading():
    """Select the threading backend; harmless when it is selected already."""
    with warnings.catch_warnings():
        # NOTE(hastack): the threading backend imports futurist, which
        # imports eventlet merely because it is installed (oslo.service
        # depends on it), and eventlet warns on import that it is
        # deprecated. HaStack never uses eventlet; the warning would only
        # confuse operators.
        warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
        try:
            backend.init_backend(backend.BackendType.THREADING)
        except exceptions.BackendAlreadySelected:
            # NOTE(hastack): the process chose a backend before importing us
            # (a test runner, an embedding program); init_backend() is a
            # no-op when threading was chosen already, so only a different
            # choice lands here, and it is the embedder's to make.
            pass
