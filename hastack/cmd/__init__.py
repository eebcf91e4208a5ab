"""HaStack's console scripts, one module per command.

Python runs this ``__init__`` before any ``hastack.cmd.<command>``, so the
threading backend is chosen before a command imports oslo.service users.
"""

from hastack.common import service_backend

service_backend.use_threading()
