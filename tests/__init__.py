"""HaStack tests.

The threading backend is chosen before any test imports oslo.messaging,
exactly as HaStack's own entry points do (hastack.common.service_backend).
"""

from hastack.common import service_backend

service_backend.use_threading()
