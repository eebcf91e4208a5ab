"""A client of fitlockd's socket (the CLI, the libvirt hook, the agent)."""

import itertools
import json
import socket

from hastack.fitlock import errors


class RemoteError(errors.FitlockError):
    """fitlockd answered with an error; ``code`` is its code."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Client:
    """One connection to fitlockd.

    :param socket_path: fitlockd's socket.
    :param timeout: seconds to wait for a reply.
    """

    def __init__(self, socket_path, timeout=60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(socket_path)
        self.file = self.sock.makefile('rwb')
        self._ids = itertools.count(1)

    def close(self):
        """Close the connection."""
        self.file.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, message):
        """Write one message line."""
        self.file.write((json.dumps(message) + '\n').encode())
        self.file.flush()

    def receive(self):
        """Read one message line (None when fitlockd closed)."""
        line = self.file.readline()
        return json.loads(line) if line else None

    def call(self, op, **params):
        """Send a request and return its result.

        :raises RemoteError: fitlockd answered with an error.
        """
        request_id = next(self._ids)
        self.send(dict(params, op=op, id=request_id))
        while True:
            reply = self.receive()
            if reply is None:
                raise errors.FitlockError('fitlockd closed the connection')
            if reply.get('id') == request_id:
                break
        if not reply.get('ok'):
            error = reply.get('error') or {}
            raise RemoteError(error.get('code', 'error'),
                              error.get('message', 'unknown error'))
        return reply.get('result')
