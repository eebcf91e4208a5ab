"""Options of the [nova] group: how HaStack reaches Nova.

Standard keystoneauth options (auth type, credentials of HaStack's service
user, session and endpoint settings), as every OpenStack service that
calls another one has them. With no ``auth_type`` HaStack does not talk to
Nova at all (a development setup): instance HA flags live only in
HaStack's database then.
"""

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

GROUP = 'nova'
group = cfg.OptGroup(GROUP, title='Nova client options',
                     help='How HaStack reaches Nova: keystoneauth '
                          'authentication, session and endpoint options.')

_DEFAULT_SERVICE_TYPE = 'compute'


def register_opts(conf):
    """Register the [nova] options on ``conf``."""
    conf.register_group(group)
    ks_loading.register_session_conf_options(conf, GROUP)
    ks_loading.register_auth_conf_options(conf, GROUP)
    ks_loading.register_adapter_conf_options(conf, GROUP)
    conf.set_default('service_type', _DEFAULT_SERVICE_TYPE, group=GROUP)
    conf.set_default('valid_interfaces', ['internal', 'public'],
                     group=GROUP)


def list_opts():
    """The [nova] options for the sample config generator: the session's,
    the adapter's and the common auth options with those of the password
    plugin."""
    return (ks_loading.get_session_conf_options() +
            ks_loading.get_adapter_conf_options(include_deprecated=False) +
            ks_loading.get_auth_common_conf_options() +
            ks_loading.get_auth_plugin_conf_options('password'))
