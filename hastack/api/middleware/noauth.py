"""INSECURE authentication for development and tests: trust the headers.

With ``[api] auth_strategy = noauth`` the API believes whatever X-User-Id,
X-Project-Id and X-Roles a caller sends, so anyone who can reach it can act
as an admin. Never use it where the API is reachable by others.
"""

# Keystone's default implied roles: a token for a role also carries the
# roles it implies, and policies are written with that in mind.
_IMPLIED_ROLES = {
    'admin': ('member', 'reader'),
    'member': ('reader',),
    'manager': ('member', 'reader'),
}


def expand_roles(roles):
    """Add the roles that Keystone's default role inference would add.

    :param roles: role names as given.
    :returns: a sorted list with every implied role included.
    """
    result = set(roles)
    for role in roles:
        result.update(_IMPLIED_ROLES.get(role, ()))
    return sorted(result)


class NoAuthMiddleware:
    """Marks the request authenticated with the identity its headers name."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        roles = [r.strip().lower() for r in
                 environ.get('HTTP_X_ROLES', '').split(',') if r.strip()]
        environ['HTTP_X_ROLES'] = ','.join(expand_roles(roles))
        environ['HTTP_X_IDENTITY_STATUS'] = 'Confirmed'
        environ.setdefault('HTTP_X_USER_ID', 'noauth-user')
        if 'HTTP_X_PROJECT_ID' not in environ and \
                'HTTP_X_TENANT_ID' in environ:
            environ['HTTP_X_PROJECT_ID'] = environ['HTTP_X_TENANT_ID']
        return self.app(environ, start_response)
