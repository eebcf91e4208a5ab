"""Real storage for Fitlock: O_DIRECT|O_DSYNC aligned block I/O with
deadlines, run in worker threads.

Every read and write goes around the page cache (O_DIRECT) and a write
returns only once it is on stable storage (O_DSYNC), so what one host
writes another host reads from the shared storage itself, not from a
cache. Buffers are page aligned (anonymous mmap) and every transfer is
whole 4 KiB blocks at 4 KiB offsets.

An I/O that does not finish within ``io_timeout`` fails with IOFailure,
but its thread goes on: a write that timed out may still land. Nothing in
Fitlock assumes it did not (timing.py). While it is in flight, another
write to the same block is refused at once: the two could land in either
order (NFS does not keep them in order), and Disk Paxos and the delta
lease need each host's writes to its own blocks to land in the order it
made them.

Storage assumption: a write whose system call has returned, with success
or an error, does not land later. NFS hard mounts (the default) and the
CephFS kernel client keep the call blocked while the write is retried;
an NFS *soft* mount can fail a write with EIO that the server still
executes later, which could undo a later write of the same block and
lose a Disk Paxos vote: do not use soft mounts for the shared folder.
"""

import concurrent.futures
import mmap
import os
import threading
import time

from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records

BLOCK = records.BLOCK
LEASE_SUFFIX = '.lease'

# NOTE(hastack): a hung storage can pin a worker per I/O; more workers
# than this in flight means storage is gone and further I/O fails at once
# instead of piling up threads.
_MAX_WORKERS = 16


def open_flags():
    """Flags for every Fitlock file: read-write, durable, uncached."""
    flags = os.O_RDWR | os.O_DSYNC
    # O_DIRECT exists on Linux; without it (other systems) the O_DSYNC
    # writes are still durable but reads could come from a cache.
    return flags | getattr(os, 'O_DIRECT', 0)


def lockspace_path(directory, lockspace):
    """The lockspace file of ``lockspace`` in ``directory``."""
    return os.path.join(directory, '%s.lockspace' % lockspace)


def leases_dir(directory, lockspace):
    """The folder of ``lockspace``'s lease files."""
    return os.path.join(directory, '%s.leases' % lockspace)


class FileIO:
    """Performs ``ops`` requests on a lockspace file and its lease files.

    :param directory: the shared folder.
    :param lockspace: the lockspace name.
    :param io_timeout: seconds one I/O may take (``N``).
    :param max_hosts: host slots; a new lease file is sized for them.
    """

    def __init__(self, directory, lockspace, io_timeout, max_hosts):
        self.directory = directory
        self.lockspace = lockspace
        self.io_timeout = io_timeout
        self.max_hosts = max_hosts
        self._fds = {}
        self._lock = threading.Lock()
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=_MAX_WORKERS,
            thread_name_prefix='fitlock-io-%s' % lockspace)
        self._in_flight = 0
        # (target, block) of every write whose thread has not returned.
        self._writing = set()
        self.io_count = 0

    def close(self):
        """Close the files; I/O still in flight finishes in its thread."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._lock:
            for fd in self._fds.values():
                try:
                    os.close(fd)
                except OSError:
                    # A network mount that lost its connection reports the
                    # error again on close; the descriptor is gone anyway.
                    pass
            self._fds.clear()

    def _path(self, target):
        if target == ops.LOCKSPACE:
            return lockspace_path(self.directory, self.lockspace)
        resource = target.split(':', 1)[1]
        return os.path.join(leases_dir(self.directory, self.lockspace),
                            resource + LEASE_SUFFIX)

    def _fd(self, target):
        """A descriptor of the target's file for one I/O; close it after.

        NOTE(hastack): a duplicate of the cached descriptor, so a failed
        I/O in another thread that retires the cached one cannot close the
        number under us (and let it be reused for another lease file).
        """
        with self._lock:
            fd = self._fds.get(target)
            if fd is None:
                path = self._path(target)
                try:
                    fd = os.open(path, open_flags())
                except FileNotFoundError:
                    if target == ops.LOCKSPACE:
                        raise errors.IOFailure('lockspace file %s does not '
                                               'exist' % path)
                    fd = _create_lease_file(path, self.max_hosts)
                self._fds[target] = fd
            return os.dup(fd)

    def perform(self, request):
        """Answer one ``ops`` request (see ops.py)."""
        if isinstance(request, ops.Now):
            return time.monotonic()
        if isinstance(request, ops.WallMs):
            return int(time.time() * 1000)
        if isinstance(request, ops.Sleep):
            time.sleep(request.seconds)
            return None
        writing = (request.target, request.block) \
            if isinstance(request, ops.Write) else None
        with self._lock:
            if self._in_flight >= _MAX_WORKERS:
                raise errors.IOFailure('storage is not answering: %d I/Os '
                                       'still in flight' % self._in_flight)
            if writing in self._writing:
                raise errors.IOFailure(
                    '%s refused: an earlier write to that block is still '
                    'in flight' % _describe(request))
            self._in_flight += 1
            if writing:
                self._writing.add(writing)
        try:
            future = self._pool.submit(self._do, request)
        except RuntimeError as e:
            self._done(None)
            self._written(writing)
            raise errors.IOFailure('I/O refused: %s' % e)
        future.add_done_callback(self._done)
        try:
            return future.result(timeout=self.io_timeout)
        except concurrent.futures.TimeoutError:
            raise errors.IOFailure('%s timed out after %s s (it may still '
                                   'complete)' % (_describe(request),
                                                  self.io_timeout))

    def _done(self, _future):
        with self._lock:
            self._in_flight -= 1

    def _written(self, writing):
        if writing:
            with self._lock:
                self._writing.discard(writing)

    def _do(self, request):
        if isinstance(request, ops.Write):
            # NOTE(hastack): in this thread, not in a done callback: the
            # block is free for the next write only once this one's
            # system call has returned.
            try:
                return self._do_io(request)
            finally:
                self._written((request.target, request.block))
        return self._do_io(request)

    def _do_io(self, request):
        try:
            fd = self._fd(request.target)
        except OSError as e:
            raise errors.IOFailure('%s failed: %s' % (_describe(request), e))
        try:
            self.io_count += 1
            if isinstance(request, ops.Read):
                # NOTE(hastack): the lockspace file is preallocated, so a
                # short read there is a broken mount, never "never
                # written"; only a lease file being sized may be short.
                return read_blocks(fd, request.block, request.count,
                                   strict=request.target == ops.LOCKSPACE)
            write_block(fd, request.block, request.data)
            return None
        except OSError as e:
            # NOTE(hastack): a file descriptor of a network mount can stay
            # broken after the connection is reset (ENOTCONN, EIO); the
            # next I/O opens the file afresh.
            self._forget_fd(request.target)
            raise errors.IOFailure('%s failed: %s' % (_describe(request), e))
        finally:
            try:
                os.close(fd)
            except OSError:
                pass

    def _forget_fd(self, target):
        with self._lock:
            fd = self._fds.pop(target, None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _describe(request):
    kind = 'read' if isinstance(request, ops.Read) else 'write'
    return '%s of %s block %d' % (kind, request.target, request.block)


def _create_lease_file(path, max_hosts):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        fd = os.open(path, open_flags() | os.O_CREAT | os.O_EXCL, 0o660)
    except FileExistsError:
        return os.open(path, open_flags())
    # Sparse: a never written block reads as zeros, which means "empty".
    os.ftruncate(fd, (max_hosts + 1) * BLOCK)
    return fd


_buffers = threading.local()


def _buffer(size):
    """A page-aligned buffer of at least ``size`` bytes, one per thread,
    reused: mapping a fresh megabyte per read costs more than the read."""
    buf = getattr(_buffers, 'buf', None)
    if buf is None or len(buf) < size:
        if buf is not None:
            buf.close()
        buf = mmap.mmap(-1, max(size, BLOCK))
        _buffers.buf = buf
    return buf


def read_blocks(fd, block, count, strict=False):
    """Read ``count`` aligned blocks.

    :param strict: a short read is an error (OSError); otherwise what lies
        past the end of a file still being sized reads as zeros.
    """
    size = count * BLOCK
    buf = _buffer(size)
    view = memoryview(buf)[:size]
    try:
        got = os.preadv(fd, [view], block * BLOCK)
    finally:
        view.release()
    if strict and got != size:
        raise OSError('short read: %d of %d bytes' % (got, size))
    # NOTE(hastack): one copy per block, straight from the buffer, and
    # the shared records.ZERO for a never written one: most of a lease
    # file's ballot blocks are empty, and an acquire reads them 3 times.
    result = []
    for start in range(0, size, BLOCK):
        end = min(start + BLOCK, got)
        if end <= start:
            result.append(records.ZERO)
            continue
        chunk = buf[start:end]
        if end - start < BLOCK:
            chunk = chunk.ljust(BLOCK, b'\0')
        result.append(records.ZERO if chunk == records.ZERO else chunk)
    return result


def write_block(fd, block, data):
    """Write one aligned block from a page-aligned buffer."""
    if len(data) != BLOCK:
        raise ValueError('a block is %d bytes, not %d' % (BLOCK, len(data)))
    buf = _buffer(BLOCK)
    view = memoryview(buf)[:BLOCK]
    try:
        view[:] = data
        written = os.pwritev(fd, [view], block * BLOCK)
    finally:
        view.release()
    if written != BLOCK:
        raise OSError('short write: %d of %d bytes' % (written, BLOCK))


def create_lockspace(directory, lockspace, max_hosts, io_timeout):
    """Create and preallocate a lockspace file (``fitlock init``).

    :raises FileExistsError: it exists already (never overwritten: that
        would wipe live hosts' delta leases).
    """
    path = lockspace_path(directory, lockspace)
    header = records.Header(version=records.Header.VERSION,
                            lockspace=lockspace, max_hosts=max_hosts,
                            io_timeout_ms=int(io_timeout * 1000),
                            created=int(time.time()))
    fd = os.open(path, open_flags() | os.O_CREAT | os.O_EXCL, 0o660)
    try:
        # Zero every host slot for real (not sparse): preallocated space
        # cannot run out under a renewal later.
        zeros = bytes(BLOCK)
        for host_id in range(1, max_hosts + 1):
            write_block(fd, host_id, zeros)
        write_block(fd, 0, header.pack())
    finally:
        os.close(fd)
    os.makedirs(leases_dir(directory, lockspace), exist_ok=True)
    return header


def read_header(directory, lockspace):
    """The header of a lockspace file.

    :raises Corrupt: not a lockspace file, or of another lockspace.
    :raises FileNotFoundError: no such file.
    """
    fd = os.open(lockspace_path(directory, lockspace), open_flags())
    try:
        (block,) = read_blocks(fd, 0, 1)
    finally:
        os.close(fd)
    header = records.Header.unpack(block)
    if header is None:
        raise errors.Corrupt('%s has no lockspace header'
                             % lockspace_path(directory, lockspace))
    if header.lockspace != lockspace:
        raise errors.Corrupt('%s belongs to lockspace %r'
                             % (lockspace_path(directory, lockspace),
                                header.lockspace))
    if header.version != records.Header.VERSION:
        raise errors.Corrupt('lockspace %s has format version %d; this '
                             'Fitlock reads version %d'
                             % (lockspace, header.version,
                                records.Header.VERSION))
    return header
