"""A fake keystoneauth session and the harness the command tests share.

No HTTP happens in these unit tests: ``FakeSession`` stands in for
``keystoneauth1.session.Session``, records what the client sends and
answers with the responses a test scripted.
"""

import dataclasses
import io
import json
from urllib import parse

from oslotest import base

from hastack.osc import client

ENDPOINT = 'http://ha.example.test:15870'


class FakeResponse:
    """What ``Session.request`` returns: the parts the client reads."""

    def __init__(self, status_code=200, body=None, headers=None, text=None,
                 reason=None):
        self.status_code = status_code
        self.headers = dict(headers or {})
        if text is None:
            text = '' if body is None else json.dumps(body)
        self.text = text
        self.content = text.encode('utf-8')
        self.reason = reason

    def json(self):
        """The body decoded as JSON (ValueError if it is not)."""
        return json.loads(self.text)


def error(status, title, detail, code, request_id='req-1234'):
    """An error response in the OpenStack error format."""
    return FakeResponse(status, {'errors': [{
        'status': status, 'title': title, 'detail': detail, 'code': code,
        'request_id': request_id}]})


@dataclasses.dataclass
class Call:
    """One request the client sent."""

    method: str
    url: str
    headers: dict
    body: object
    kwargs: dict

    @property
    def path(self):
        """The URL's path."""
        return parse.urlsplit(self.url).path

    @property
    def query(self):
        """The URL's query as a dict of strings."""
        return dict(parse.parse_qsl(parse.urlsplit(self.url).query))


class FakeSession:
    """A stand-in for a keystoneauth1 Session.

    :param responses: what successive requests get, in order: a
        :class:`FakeResponse`, a dict (a 200 JSON answer), None (204) or
        an exception to raise.
    """

    def __init__(self, *responses):
        self.responses = list(responses)
        self.calls = []

    def request(self, url, method, **kwargs):
        """Record the request and give the next scripted answer."""
        self.calls.append(Call(method, url, kwargs.get('headers') or {},
                               kwargs.get('json'), kwargs))
        if not self.responses:
            raise AssertionError('unexpected request %s %s' % (method, url))
        answer = self.responses.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            return FakeResponse(204)
        if isinstance(answer, dict):
            return FakeResponse(200, answer)
        return answer


class FakeClientManager:
    """The part of osc-lib's ClientManager the commands use."""

    def __init__(self, hastack):
        self.hastack = hastack


class FakeOptions:
    """The global options cliff's commands read."""

    debug = False


class FakeApp:
    """The part of the ``openstack`` application the commands use."""

    def __init__(self, hastack):
        self.client_manager = FakeClientManager(hastack)
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.options = FakeOptions()


class CommandTestCase(base.BaseTestCase):
    """Runs commands against a real Client over a FakeSession."""

    def setUp(self):
        super().setUp()
        self.session = FakeSession()
        self.client = client.Client(self.session, ENDPOINT)
        self.app = FakeApp(self.client)

    def answer(self, *responses):
        """Script the answers of the next requests."""
        self.session.responses.extend(responses)

    def parse(self, command_class, argv, name='openstack ha'):
        """The command and its parsed arguments."""
        cmd = command_class(self.app, None)
        return cmd, cmd.get_parser(name).parse_args(argv)

    def run_command(self, command_class, argv):
        """Run a command as openstack would; returns its exit code and
        what it printed."""
        cmd, parsed = self.parse(command_class, argv)
        code = cmd.run(parsed)
        return code, self.app.stdout.getvalue()

    def run_json(self, command_class, argv):
        """Run a command with ``-f json``; returns the decoded output."""
        code, out = self.run_command(command_class, list(argv) +
                                     ['-f', 'json'])
        self.assertEqual(0, code)
        return json.loads(out)

    def assertNothingSent(self):
        """No request reached the session."""
        self.assertEqual([], self.session.calls)

    def last(self):
        """The last request sent."""
        self.assertTrue(self.session.calls, 'no request was sent')
        return self.session.calls[-1]
