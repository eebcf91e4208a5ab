"""An in-memory storage for running Fitlock's protocols in unit tests."""

from hastack.fitlock import errors
from hastack.fitlock import ops
from hastack.fitlock import records

ZERO = bytes(records.BLOCK)


class MemoryIO:
    """Answers ``ops`` requests from a dict of blocks and a fake clock.

    :ivar blocks: ``{(target, block): bytes}``; missing blocks are zeros.
    :ivar sleeps: the seconds of every Sleep, in order.
    :ivar writes: every Write performed, in order.
    :ivar fail: a callable(request) -> bool; True fails that request with
        IOFailure (a failed write does not land).
    :ivar on_sleep: a callable(seconds) run at each Sleep, to let other
        hosts act while a protocol waits.
    """

    def __init__(self):
        self.blocks = {}
        self.clock = 1000.0
        self.wall = 1_700_000_000_000
        self.sleeps = []
        self.writes = []
        self.reads = []
        self.fail = lambda request: False
        self.on_sleep = lambda seconds: None

    def get(self, target, block):
        return self.blocks.get((target, block), ZERO)

    def put(self, target, block, data):
        self.blocks[(target, block)] = data

    def perform(self, request):
        if isinstance(request, ops.Now):
            return self.clock
        if isinstance(request, ops.WallMs):
            self.wall += 1
            return self.wall
        if isinstance(request, ops.Sleep):
            self.sleeps.append(request.seconds)
            self.clock += request.seconds
            self.on_sleep(request.seconds)
            return None
        if self.fail(request):
            raise errors.IOFailure('injected failure of %r' % (request,))
        if isinstance(request, ops.Read):
            self.reads.append(request)
            return [self.get(request.target, request.block + i)
                    for i in range(request.count)]
        self.writes.append(request)
        self.put(request.target, request.block, request.data)
        return None

    def run(self, protocol):
        return ops.run(protocol, self)


def interleavings(protocols, io):
    """Run generators one storage I/O at a time in every possible order
    (each I/O atomic).

    :param protocols: a callable returning a fresh list of generators
        (one per host) for each run.
    :param io: a callable returning a fresh MemoryIO for each run.
    :returns: a list, per order, of ``[(result, exception)]`` per host.
    """
    outcomes = []

    def explore(prefix):
        store = io()
        gens = protocols()
        state = [[None, None, False] for _ in gens]  # answer, failure, done
        results = [None] * len(gens)
        pending = [None] * len(gens)

        def advance(i):
            gen, st = gens[i], state[i]
            while True:
                try:
                    if st[1] is not None:
                        request = gen.throw(st[1])
                    else:
                        request = gen.send(st[0])
                except StopIteration as stop:
                    st[2] = True
                    results[i] = (stop.value, None)
                    return
                except errors.FitlockError as e:
                    st[2] = True
                    results[i] = (None, e)
                    return
                if isinstance(request, (ops.Read, ops.Write)):
                    pending[i] = request
                    return
                # Clocks and sleeps touch no shared state: no new order.
                st[0], st[1] = store.perform(request), None

        for i in range(len(gens)):
            advance(i)

        def perform(i):
            st = state[i]
            st[0], st[1] = None, None
            try:
                st[0] = store.perform(pending[i])
            except errors.IOFailure as e:
                st[1] = e
            advance(i)

        for i in prefix:
            perform(i)
        runnable = [i for i in range(len(gens)) if not state[i][2]]
        if not runnable:
            outcomes.append(results)
            return
        for i in runnable:
            explore(prefix + [i])

    explore([])
    return outcomes
