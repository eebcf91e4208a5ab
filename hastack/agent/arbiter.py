"""The agent as Fitlock's arbiter: "fence or not?" asked of the conductor.

fitlockd asks when this host's lease renewals have failed for ``F``
(hastack/fitlock/timing.py). The agent sends a fencing event by RPC and
over every etcd plane and waits for the conductor's answer until the
query's deadline minus a margin; no answer means ``fence``. With
``ha_maintenance`` on, it answers ``no-fence`` itself (the slides' table:
maintenance ON -> "Not Fencing"), as a grant fitlockd asks to renew.
"""

import json
import socket
import threading
import time

from oslo_log import log as logging

from hastack.agent import messages
from hastack.common import context as hastack_context
from hastack.fitlock import client as fitlock_client

LOG = logging.getLogger(__name__)

FENCE = 'fence'
NO_FENCE = 'no-fence'
# A fence decided without the conductor is reported again every
# LATE_REPORT_INTERVAL seconds (each RPC call given LATE_REPORT_WAIT),
# until an answer to any copy comes (an RPC call's reply or the answer on
# a plane) or [agent] fencing_report_window runs out.
LATE_REPORT_INTERVAL = 5.0
LATE_REPORT_WAIT = 10.0


class Maintenance:
    """This host's view of ``ha_maintenance`` (etcd and RPC keep it)."""

    def __init__(self):
        self.enabled = False
        self.source = None
        self._lock = threading.Lock()

    def set(self, enabled, source):
        """Record the switch as one path reports it."""
        with self._lock:
            if enabled != self.enabled:
                LOG.warning('ha_maintenance is now %s (via %s)',
                            'on' if enabled else 'off', source)
            self.enabled, self.source = enabled, source


class Arbiter:
    """Registers with fitlockd and answers its fence queries.

    :param socket_path: fitlockd's socket.
    :param host: this host's name.
    :param bus: the :class:`messages.MessageBus`.
    :param conductor: a ``ConductorAPI`` (or None: etcd only).
    :param maintenance: the :class:`Maintenance` state.
    :param margin: seconds kept in hand before a query's deadline.
    :param maintenance_grant: grant length answered under maintenance.
    :param report_window: seconds a fence decided without an answer is
        reported again until a conductor answers (0: never).
    """

    def __init__(self, socket_path, host, bus, conductor, maintenance,
                 margin, maintenance_grant, report_window=0.0):
        self.socket_path = socket_path
        self.host = host
        self.bus = bus
        self.conductor = conductor
        self.maintenance = maintenance
        self.margin = margin
        self.maintenance_grant = maintenance_grant
        self.report_window = report_window
        self.connected = False
        self.answers = []
        self._stop = threading.Event()
        self._client = None

    def start(self):
        """Keep a registered connection to fitlockd on a thread."""
        threading.Thread(target=self._run, daemon=True,
                         name='fitlock-arbiter').start()

    def stop(self):
        """Disconnect (fitlockd then fences on its own when asked)."""
        self._stop.set()
        client = self._client
        if client is not None:
            try:
                client.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _run(self):
        while not self._stop.is_set():
            try:
                self._serve_connection()
            except (OSError, ValueError, fitlock_client.RemoteError) as e:
                if self.connected:
                    LOG.warning('Lost fitlockd (%s): reconnecting', e)
            self.connected = False
            self._stop.wait(1.0)

    def _serve_connection(self):
        client = fitlock_client.Client(self.socket_path, timeout=None)
        self._client = client
        try:
            client.call('register_arbiter')
            self.connected = True
            LOG.info('Registered as Fitlock arbiter on %s', self.socket_path)
            while not self._stop.is_set():
                message = client.receive()
                if message is None:
                    raise OSError('fitlockd closed the connection')
                if message.get('op') == 'fence_query':
                    threading.Thread(target=self._answer,
                                     args=(client, message),
                                     daemon=True).start()
                elif message.get('op') == 'event':
                    # On a thread: forwarding waits on cut planes and a
                    # lost broker, and this loop must go on reading
                    # fitlockd's fence queries meanwhile.
                    threading.Thread(target=self._forward_event,
                                     args=(message,), daemon=True).start()
        finally:
            self._client = None
            client.close()

    def _answer(self, client, query):
        decision = self.decide(query)
        self.answers.append(decision)
        try:
            client.send(dict(decision, op='fence_answer', id=query.get('id')))
        except OSError as e:
            LOG.error('Could not answer fitlockd: %s', e)

    def decide(self, query):
        """The answer to one fence query.

        :returns: ``{"decision", "grant_seconds", "reason"}``.
        """
        lockspace = query.get('lockspace')
        timeout = float(query.get('timeout') or 0)
        if self.maintenance.enabled:
            LOG.warning('Fence query for %s: ha_maintenance is on, '
                        'answering no-fence for %s s', lockspace,
                        self.maintenance_grant)
            return {'decision': NO_FENCE,
                    'grant_seconds': self.maintenance_grant,
                    'reason': 'ha_maintenance is on'}
        budget = timeout - self.margin
        event = messages.make('fencing_event', self.host,
                              {'lockspace': lockspace, 'timeout': timeout})
        answer = self._ask_conductor(event, budget)
        if answer is None:
            LOG.error('Fence query for %s: no answer from the conductor '
                      'within %.1f s: fence', lockspace, budget)
            self._report_late(event)
            return {'decision': FENCE, 'grant_seconds': 0,
                    'reason': 'no answer from the conductor'}
        decision = answer.get('decision')
        if decision not in (FENCE, NO_FENCE):
            LOG.error('Fence query for %s: unusable answer %r: fence',
                      lockspace, answer)
            return {'decision': FENCE, 'grant_seconds': 0,
                    'reason': 'unusable answer'}
        LOG.warning('Fence query for %s: the conductor says %s', lockspace,
                    decision)
        return {'decision': decision,
                'grant_seconds': float(answer.get('grant_seconds') or 0),
                'reason': 'the conductor decided'}

    def _report_late(self, event):
        """Keep reporting a fence decided without the conductor.

        fitlockd stops this host's instances now. A conductor that never
        hears of it would leave them stopped for good when the host comes
        back before the grace period ends (or never looked down on the
        planes). A conductor that hears of it, however late, answers
        ``fence`` and recovers the host (keymessages.py). The copies keep
        the event's id, so the conductor acts on it once.
        """
        if self.report_window <= 0:
            return
        threading.Thread(target=self._deliver_late, args=(event,),
                         daemon=True, name='fencing-report').start()

    def _deliver_late(self, event):
        deadline = time.monotonic() + self.report_window
        # One wait for the whole window: the answer to any copy ends it,
        # the first report's included (its RPC call can get through after
        # the query gave up, once the network is back: seen in
        # tests/cluster, the answer then found nobody waiting).
        reply = self.bus.expect_reply(event['id'])
        try:
            while not self._stop.is_set():
                if reply.wait(LATE_REPORT_INTERVAL) is not None:
                    LOG.warning('Fencing event %s (decided without an '
                                'answer) reached a conductor', event['id'])
                    return
                if time.monotonic() > deadline:
                    LOG.error('Fencing event %s (decided without an answer) '
                              'reached no conductor in %.0f s: this '
                              'host\'s stopped instances wait for an '
                              'operator', event['id'], self.report_window)
                    return
                self._send(event, LATE_REPORT_WAIT, reply)
        finally:
            self.bus.forget_reply(event['id'])

    def _ask_conductor(self, event, budget):
        if budget <= 0:
            return None
        deadline = time.monotonic() + budget
        reply = self.bus.expect_reply(event['id'])
        try:
            self._send(event, budget, reply)
            message = reply.wait(deadline - time.monotonic())
        finally:
            self.bus.forget_reply(event['id'])
        if message is None:
            return None
        return message.get('body', {})

    def _send(self, event, budget, reply):
        """Send ``event`` by RPC (its answer, within ``budget`` seconds,
        goes to ``reply``) and on every plane, without waiting."""
        if self.conductor is not None:
            threading.Thread(target=self._ask_by_rpc,
                             args=(event, budget, reply),
                             daemon=True).start()
        # On a thread too: writing to a plane that is cut waits for the
        # etcd client's timeouts, which must not make the answer to
        # fitlockd later than its deadline.
        threading.Thread(target=self.bus.publish, args=(event,),
                         daemon=True).start()

    def _ask_by_rpc(self, event, budget, reply):
        try:
            answer = self.conductor.report_fencing_event(
                hastack_context.get_admin_context(), event, timeout=budget)
        except Exception as e:  # noqa: BLE001 - the etcd path may answer
            LOG.warning('Fencing event %s by RPC failed: %s', event['id'],
                        e)
            return
        if isinstance(answer, dict):
            reply.set({'id': 'rpc-%s' % event['id'], 'type': 'fence_answer',
                       'host': self.host, 'body': answer})

    def _forward_event(self, message):
        LOG.info('fitlockd event: %s', json.dumps(message))
        event = messages.make('fitlock_event', self.host,
                              {'lockspace': message.get('lockspace'),
                               'event': message.get('event'),
                               'detail': message.get('detail')})
        self.bus.publish(event)
        if self.conductor is not None:
            try:
                self.conductor.deliver_message(
                    hastack_context.get_admin_context(), event)
            except Exception as e:  # noqa: BLE001 - etcd carried it too
                LOG.warning('fitlockd event by RPC failed: %s', e)
