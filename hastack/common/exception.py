"""HaStack's exceptions.

Every error an API user can cause is a ``HastackException`` subclass with
an HTTP status, a stable machine-readable ``code`` and a message template.
The API turns them into the OpenStack error document; nothing else needs
to know about HTTP.
"""

import http


class HastackException(Exception):
    """Base of every HaStack error.

    :param message: the message; by default ``msg_fmt % kwargs``.
    :param kwargs: values for ``msg_fmt``.
    """

    msg_fmt = 'An unknown error occurred.'
    status = http.HTTPStatus.INTERNAL_SERVER_ERROR
    code = 'hastack.error'
    # Extra HTTP response headers, as (name, value) pairs.
    headers = ()

    def __init__(self, message=None, **kwargs):
        self.kwargs = kwargs
        if message is None:
            message = self.msg_fmt % kwargs
        self.message = str(message)
        super().__init__(self.message)

    @property
    def title(self):
        """The HTTP reason phrase of this error's status."""
        return http.HTTPStatus(self.status).phrase


class Invalid(HastackException):
    """The request is malformed or asks for something out of range."""

    msg_fmt = 'Invalid request: %(detail)s'
    status = http.HTTPStatus.BAD_REQUEST
    code = 'hastack.invalid'


class InvalidSchema(Invalid):
    """A request body or query failed its JSON Schema."""

    msg_fmt = '%(detail)s'
    code = 'hastack.invalid.schema'


class InvalidStrategy(Invalid):
    """A strategy's rules are incomplete or contradictory."""

    msg_fmt = 'Invalid strategy: %(detail)s'
    code = 'hastack.strategy.invalid'


class InvalidSetting(Invalid):
    """A run-time setting is unknown or out of range."""

    msg_fmt = 'Invalid setting: %(detail)s'
    code = 'hastack.setting.invalid'


class InvalidMarker(Invalid):
    """A list marker names no item of that list."""

    msg_fmt = 'Marker %(marker)s was not found.'
    code = 'hastack.invalid.marker'


class NotAuthorized(HastackException):
    """The caller is not authenticated."""

    msg_fmt = 'Authentication required.'
    status = http.HTTPStatus.UNAUTHORIZED
    code = 'hastack.unauthorized'


class Forbidden(HastackException):
    """Policy does not allow the caller to do this."""

    msg_fmt = 'Policy does not allow %(action)s to be performed.'
    status = http.HTTPStatus.FORBIDDEN
    code = 'hastack.forbidden'


class NotFound(HastackException):
    """A requested resource does not exist (or is not visible)."""

    msg_fmt = 'Resource could not be found.'
    status = http.HTTPStatus.NOT_FOUND
    code = 'hastack.not_found'


class HostNotFound(NotFound):
    msg_fmt = 'Host %(host)s could not be found.'
    code = 'hastack.host.not_found'


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance)s could not be found.'
    code = 'hastack.instance.not_found'


class StrategyNotFound(NotFound):
    msg_fmt = 'Strategy %(strategy)s could not be found.'
    code = 'hastack.strategy.not_found'


class TaskNotFound(NotFound):
    msg_fmt = 'Task %(task)s could not be found.'
    code = 'hastack.task.not_found'


class EventNotFound(NotFound):
    msg_fmt = 'Event %(event)s could not be found.'
    code = 'hastack.event.not_found'


class MethodNotAllowed(HastackException):
    """The resource exists but does not take this HTTP method."""

    msg_fmt = 'The method %(method)s is not allowed here; allowed: ' \
              '%(allowed)s.'
    status = http.HTTPStatus.METHOD_NOT_ALLOWED
    code = 'hastack.method_not_allowed'

    def __init__(self, method, allowed):
        super().__init__(method=method, allowed=', '.join(allowed))
        self.headers = (('Allow', ', '.join(allowed)),)


class Conflict(HastackException):
    """The request conflicts with the resource's current state."""

    msg_fmt = 'Conflict: %(detail)s'
    status = http.HTTPStatus.CONFLICT
    code = 'hastack.conflict'


class HostExists(Conflict):
    msg_fmt = 'A host named %(host)s already exists.'
    code = 'hastack.host.exists'


class HostBusy(Conflict):
    msg_fmt = ('Host %(host)s has %(count)d open HA task(s) and cannot be '
               'deleted until they finish or are cancelled.')
    code = 'hastack.host.busy'


class StrategyExists(Conflict):
    msg_fmt = 'A strategy named %(name)s already exists.'
    code = 'hastack.strategy.exists'


class StrategyActive(Conflict):
    msg_fmt = ('Strategy %(strategy)s is the active strategy and cannot be '
               'deleted; activate another one first.')
    code = 'hastack.strategy.active'


class TaskStateConflict(Conflict):
    msg_fmt = ('Task %(task)s is %(state)s; %(action)s needs a task that '
               'is %(allowed)s.')
    code = 'hastack.task.state_conflict'


class EventAlreadyAcknowledged(Conflict):
    msg_fmt = 'Event %(event)s was already acknowledged.'
    code = 'hastack.event.already_acknowledged'


class NotAcceptable(HastackException):
    """The requested microversion is not supported."""

    msg_fmt = 'Version %(version)s is not supported by the API. Minimum ' \
              'is %(min_version)s and maximum is %(max_version)s.'
    status = http.HTTPStatus.NOT_ACCEPTABLE
    code = 'hastack.microversion.unsupported'


class NovaUnavailable(HastackException):
    """Nova could not be reached or refused a request HaStack needs."""

    msg_fmt = 'Nova could not complete the request: %(detail)s'
    status = http.HTTPStatus.SERVICE_UNAVAILABLE
    code = 'hastack.nova.unavailable'
