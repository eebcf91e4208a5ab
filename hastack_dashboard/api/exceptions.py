"""Errors of HaStack API calls.

A module of its own, free of Horizon imports, so that the enabled files
can register these classes with Horizon's error handling while Django's
settings are still being read.
"""


class HastackError(Exception):
    """A HaStack API call failed.

    :ivar status: the HTTP status, or None when the API was not reached.
    :ivar title: the status' title ("Conflict").
    :ivar detail: the API's explanation.
    :ivar code: HaStack's error code (``hastack.host.not_found``), or None.
    :ivar request_id: the request id the API gave, or None.
    """

    def __init__(self, detail, status=None, title=None, code=None,
                 request_id=None):
        self.status = status
        self.title = title
        self.detail = detail
        self.code = code
        self.request_id = request_id
        super().__init__(self._text())

    def _text(self):
        text = ' '.join(str(self.detail or self.title or 'Error').split())
        if self.request_id:
            text += ' (request %s)' % self.request_id
        return text


class NotFound(HastackError):
    """The API answered 404."""


class Unauthorized(HastackError):
    """The API answered 401: the token is no longer valid."""
