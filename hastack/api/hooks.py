"""Pecan hooks: request context, microversion and error rendering."""

from pecan import hooks

from hastack.api import errors
from hastack.api import microversion
from hastack.api import validation
from hastack.common import context


class ContextHook(hooks.PecanHook):
    """Builds the RequestContext from the headers auth left in the environ.

    keystonemiddleware (or the noauth middleware) sets X-User-Id,
    X-Project-Id and X-Roles; oslo.context reads them and the request id.
    """

    def before(self, state):
        state.request.context = context.RequestContext.from_environ(
            state.request.environ)


class MicroversionHook(hooks.PecanHook):
    """Parses OpenStack-API-Version and names the version in the reply."""

    def before(self, state):
        version = microversion.parse(state.request.environ)
        state.request.version = version

    def after(self, state):
        version = getattr(state.request, 'version', None)
        if version is None or state.response is None:
            return
        for name, value in microversion.response_headers(version):
            state.response.headers[name] = value


class JsonBodyHook(hooks.PecanHook):
    """Refuses a malformed JSON body before pecan's router reads it.

    Pecan decodes JSON bodies itself to find controller arguments, with
    Python's lenient decoder and no guard against deep nesting; a body it
    chokes on would be a 500. Decoding it strictly first makes it a 400.
    """

    def on_route(self, state):
        request = state.request
        if request.body and request.content_type in (
                'application/json', 'application/javascript'):
            validation.decode_json(request.body)


class ErrorHook(hooks.PecanHook):
    """Renders any exception as the OpenStack error document."""

    def on_error(self, state, exc):
        resp = errors.from_exception(exc, state.request.environ)
        version = getattr(state.request, 'version', None)
        if version is not None:
            for name, value in microversion.response_headers(version):
                resp.headers[name] = value
        return resp

