"""Options of the [api] group: the REST API server and its behaviour."""

from oslo_config import cfg

group = cfg.OptGroup('api', title='REST API options')

opts = [
    cfg.StrOpt('auth_strategy',
               default='keystone',
               choices=[('keystone', 'Validate tokens with '
                         'keystonemiddleware auth_token.'),
                        ('noauth', 'INSECURE: trust the X-Roles, '
                         'X-Project-Id and X-User-Id request headers. For '
                         'development and tests only; anyone who reaches '
                         'the API can claim to be an admin.')],
               help='How API requests are authenticated.'),
    cfg.HostAddressOpt('host_ip',
                       default='127.0.0.1',
                       help='Address the hastack-api development server '
                            'listens on. Production deployments serve '
                            'hastack.wsgi.api:application from a WSGI '
                            'server (uwsgi, mod_wsgi) instead.'),
    cfg.PortOpt('port',
                default=15870,
                help='Port the hastack-api development server listens on.'),
    cfg.IntOpt('max_limit',
               default=1000,
               min=1,
               help='The most items one list request returns, whatever '
                    'limit it asks for.'),
    cfg.StrOpt('public_endpoint',
               help='Public URL of the API, used in links and version '
                    'documents when the API sits behind a proxy that does '
                    'not send X-Forwarded-* headers.'),
]


def register_opts(conf):
    """Register the [api] options on ``conf``."""
    conf.register_group(group)
    conf.register_opts(opts, group=group)
