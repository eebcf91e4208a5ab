"""What must hold whatever the faults: no two hosts ever wrote one
instance's disk in overlapping time.

Every instance process (tests/cluster/instance.py) appends
``<host> <pid> <seq> <time>`` to its instance's disk file on the shared
storage every 0.1 s. One writer is one (host, pid); its span runs from
its first to its last line. Two spans of one disk that overlap mean two
copies of the instance ran at once: split brain.
"""

import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Span:
    """The lines one writer left on one disk."""

    host: str
    pid: int
    first: float
    last: float
    lines: int


@dataclasses.dataclass(frozen=True)
class Violation:
    """Two writers of one disk at the same time."""

    disk: str
    one: Span
    other: Span

    def __str__(self):
        overlap = min(self.one.last, self.other.last) - max(
            self.one.first, self.other.first)
        return ('disk %s written by %s (pid %d) and %s (pid %d) at once '
                'for %.3f s' % (self.disk, self.one.host, self.one.pid,
                                self.other.host, self.other.pid, overlap))


def spans(path):
    """The writers of one disk file, in the order they started.

    :returns: ``([Span], malformed line count)``.
    """
    found = {}
    malformed = 0
    with open(path, 'rb') as f:
        for raw in f:
            try:
                host, pid, _seq, when = raw.decode().split()
                key = (host, int(pid))
                when = float(when)
            except ValueError:
                malformed += 1
                continue
            first, last, count = found.get(key, (when, when, 0))
            found[key] = (min(first, when), max(last, when), count + 1)
    result = [Span(host, pid, first, last, count)
              for (host, pid), (first, last, count) in found.items()]
    return sorted(result, key=lambda s: s.first), malformed


def check_disks(folder):
    """Check every disk file in ``folder``.

    :returns: ``(violations, {disk: [Span]})``.
    """
    violations = []
    report = {}
    if not os.path.isdir(folder):
        return violations, report
    for disk in sorted(os.listdir(folder)):
        writers, _ = spans(os.path.join(folder, disk))
        report[disk] = writers
        for i, one in enumerate(writers):
            for other in writers[i + 1:]:
                if other.first <= one.last:
                    violations.append(Violation(disk, one, other))
    return violations, report
