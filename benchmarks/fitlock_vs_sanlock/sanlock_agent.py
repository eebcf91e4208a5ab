"""A client process of one sanlock daemon, driven by bench.py.

Runs under /usr/bin/python3 (where Debian's python3-sanlock imports) with
SANLOCK_RUN_DIR naming its daemon's run folder: libsanlock reads that
variable once per process, so each sanlock "host" gets its own agent.

One JSON object per line on stdin, one answer per line on stdout. Every
duration is measured here, around the sanlock call alone, with
time.monotonic() (CLOCK_MONOTONIC, comparable with bench.py's clock).
"""

import json
import os
import sys
import time

import sanlock

ALIGN = 1048576   # 1 MiB lease areas ...
SECTOR = 4096     # ... of 4 KiB sectors: 250 host slots, as Fitlock's 250


class Agent:

    def __init__(self):
        self.fd = None
        self.lockspace = b'bench'

    def _disks(self, path):
        return [(path, 0)]

    def op_ready(self, msg):
        sanlock.get_lockspaces()
        return {}

    def op_write_lockspace(self, msg):
        sanlock.write_lockspace(self.lockspace, msg['path'],
                                iotimeout=msg['io_timeout'], align=ALIGN,
                                sector=SECTOR)
        return {}

    def op_write_resources(self, msg):
        started = time.monotonic()
        for name, path in zip(msg['names'], msg['paths'], strict=True):
            sanlock.write_resource(self.lockspace, name.encode(),
                                   self._disks(path), align=ALIGN,
                                   sector=SECTOR)
        return {'seconds': time.monotonic() - started}

    def op_add_lockspace(self, msg):
        started = time.monotonic()
        sanlock.add_lockspace(self.lockspace, msg['host_id'], msg['path'],
                              iotimeout=msg['io_timeout'])
        return {'seconds': time.monotonic() - started}

    def op_register(self, msg):
        # After a daemon restart the old registration is a dead socket.
        if self.fd is not None:
            try:
                os.close(self.fd)
            except OSError:
                pass
        self.fd = sanlock.register()
        return {}

    def op_acquire_many(self, msg):
        """Acquire each lease; the duration of each call."""
        times = []
        for name, path in zip(msg['names'], msg['paths'], strict=True):
            started = time.monotonic()
            sanlock.acquire(self.lockspace, name.encode(), self._disks(path),
                            slkfd=self.fd)
            times.append(time.monotonic() - started)
        return {'seconds': times}

    def op_release_many(self, msg):
        times = []
        for name, path in zip(msg['names'], msg['paths'], strict=True):
            started = time.monotonic()
            sanlock.release(self.lockspace, name.encode(), self._disks(path),
                            slkfd=self.fd)
            times.append(time.monotonic() - started)
        return {'seconds': times}

    def op_cycle(self, msg):
        """Acquire then release each lease in turn: both durations."""
        acquire, release = [], []
        for name, path in zip(msg['names'], msg['paths'], strict=True):
            disks = self._disks(path)
            started = time.monotonic()
            sanlock.acquire(self.lockspace, name.encode(), disks,
                            slkfd=self.fd)
            middle = time.monotonic()
            sanlock.release(self.lockspace, name.encode(), disks,
                            slkfd=self.fd)
            release.append(time.monotonic() - middle)
            acquire.append(middle - started)
        return {'acquire': acquire, 'release': release}

    def op_try_acquire(self, msg):
        """One attempt: whether it was granted (and the error if not)."""
        try:
            sanlock.acquire(self.lockspace, msg['name'].encode(),
                            self._disks(msg['path']), slkfd=self.fd)
        except sanlock.SanlockException as e:
            return {'acquired': False, 'error': str(e)}
        return {'acquired': True}

    def op_poll_acquire(self, msg):
        """Try every ``interval`` until granted or ``deadline``."""
        attempts, last = 0, None
        while time.monotonic() < msg['deadline']:
            attempts += 1
            try:
                sanlock.acquire(self.lockspace, msg['name'].encode(),
                                self._disks(msg['path']), slkfd=self.fd)
                return {'acquired_at': time.monotonic(),
                        'attempts': attempts}
            except sanlock.SanlockException as e:
                last = str(e)
            time.sleep(msg['interval'])
        return {'acquired_at': None, 'attempts': attempts, 'error': last}


def main():
    agent = Agent()
    for line in sys.stdin:
        msg = json.loads(line)
        try:
            reply = getattr(agent, 'op_' + msg['op'])(msg)
            reply['ok'] = True
        except Exception as e:  # noqa: BLE001 - reported to bench.py
            reply = {'ok': False, 'error': '%s: %s' % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(reply) + '\n')
        sys.stdout.flush()


if __name__ == '__main__':
    main()
