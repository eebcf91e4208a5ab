"""WSGI entry points.

The threading backend is chosen here, before the application's modules
import oslo.service users (see hastack.common.service_backend).
"""

from hastack.common import service_backend

service_backend.use_threading()
