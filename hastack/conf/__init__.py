"""HaStack configuration: every option, registered by group on one CONF."""

from oslo_config import cfg

from hastack.conf import agent
from hastack.conf import api
from hastack.conf import conductor
from hastack.conf import database
from hastack.conf import default
from hastack.conf import fitlock
from hastack.conf import ha
from hastack.conf import nova

CONF = cfg.CONF

default.register_opts(CONF)
agent.register_opts(CONF)
fitlock.register_opts(CONF)
api.register_opts(CONF)
conductor.register_opts(CONF)
database.register_opts(CONF)
ha.register_opts(CONF)
nova.register_opts(CONF)
