"""The I/O requests Fitlock's protocols make, and the loop that runs them.

The protocols (``delta``, ``paxos``) are generators that *yield* requests
(read blocks, write a block, sleep, what time is it) and receive the
answers. They never touch a file or a clock themselves, so the same code
runs against real storage in fitlockd (``storage.FileIO``) and against a
simulated storage with injected delays, failures and late writes in the
safety simulation (``tests/unit/fitlock/simulation.py``).
"""

import dataclasses

from hastack.fitlock import errors

LOCKSPACE = 'lockspace'


def lease_target(resource):
    """The target name of an instance lease's file."""
    return 'lease:%s' % resource


@dataclasses.dataclass(frozen=True)
class Read:
    """Read ``count`` blocks from ``block`` on; answers a list of bytes.

    Blocks past the end of the file read as zeros (never written).
    """

    target: str
    block: int
    count: int = 1


@dataclasses.dataclass(frozen=True)
class Write:
    """Write one whole block; answers None once it is on stable storage."""

    target: str
    block: int
    data: bytes


@dataclasses.dataclass(frozen=True)
class Sleep:
    """Wait ``seconds``."""

    seconds: float


@dataclasses.dataclass(frozen=True)
class Now:
    """Answers the monotonic time in seconds (the host's own clock)."""


@dataclasses.dataclass(frozen=True)
class WallMs:
    """Answers the wall-clock time in ms (informative fields only)."""


def run(protocol, io):
    """Drive a protocol generator to its end.

    :param protocol: a generator yielding requests.
    :param io: an object with ``perform(request)`` that answers a request
        or raises :class:`errors.IOFailure`, which is thrown into the
        protocol at the request that failed.
    :returns: the protocol's return value.
    """
    answer = None
    failure = None
    while True:
        try:
            if failure is not None:
                request = protocol.throw(failure)
            else:
                request = protocol.send(answer)
        except StopIteration as stop:
            return stop.value
        answer, failure = None, None
        try:
            answer = io.perform(request)
        except errors.IOFailure as e:
            failure = e
