"""The task engine on SQLite: gates defer, limits defer, outcomes are
stored with retries and backoff, the last failure is an alarm, a task
taken over is abandoned by its old runner."""

import threading
import time

import fixtures

from hastack import conf
from hastack.common import states
from hastack.conductor import engine
from hastack.db import api as db_api
from hastack.db import recovery
from tests.unit.conductor import test_recovery_db as base


def wait_idle(eng, timeout=10):
    deadline = time.monotonic() + timeout
    while eng.running():
        if time.monotonic() > deadline:
            raise AssertionError('runners still busy: %s' % eng.running())
        time.sleep(0.01)


class TestRetryDelay(base.RecoveryDbTestCase):

    def test_doubles_up_to_the_cap(self):
        self.assertEqual([0.0, 10, 20, 40, 80, 160, 300, 300],
                         [engine.retry_delay(a, 10, 300)
                          for a in range(8)])


class EngineTestCase(base.RecoveryDbTestCase):

    def setUp(self):
        super().setUp()
        self.flags(group='conductor', retry_backoff=0, workers=4)
        self.outcomes = {}
        self.calls = []
        self.gate = None

        def handler(context, task, runner):
            self.calls.append((task.type, task.instance_uuid,
                               task.attempts))
            outcome = self.outcomes.get(task.type, engine.Outcome(
                engine.DONE, 'ok'))
            return outcome(task, runner) if callable(outcome) else outcome

        table = {t: handler for t in states.TASK_TYPES}
        self.after = []
        self.engine = engine.TaskEngine(
            conf.CONF, 'me', table,
            lambda c, t, cl, n: self.gate(t) if self.gate else None,
            {states.TASK_FENCE: lambda c, t, o: self.after.append(
                (t.type, t.state))})
        self.addCleanup(self.engine.stop)

    def hold_evacuations(self):
        """Evacuations run until the event returned is set (at most
        10 s)."""
        release = threading.Event()
        self.addCleanup(release.set)

        def slow(task, runner):
            release.wait(10)
            return engine.Outcome(engine.DONE, 'ok')
        self.outcomes['evacuate'] = slow
        return release

    def run_pass(self):
        claimed = self.engine.run_once(self.context)
        wait_idle(self.engine)
        return claimed

    def tasks(self):
        return {(t.type, t.instance_uuid): t
                for t in db_api.task_list(self.context)}


class TestEngine(EngineTestCase):

    def test_runs_every_due_task_and_calls_after(self):
        self.suspect_host(instances=2)
        self.declare()
        self.assertEqual(4, len(self.run_pass()))
        self.assertEqual({'succeeded'},
                         {t.state for t in self.tasks().values()})
        self.assertEqual([('fence', 'succeeded')], self.after)

    def test_gate_defers_with_one_event(self):
        self.suspect_host(instances=1)
        self.declare()
        self.gate = lambda t: 'closed for the test'
        self.assertEqual([], self.run_pass())
        self.run_pass()
        self.assertEqual({'deferred'},
                         {t.state for t in self.tasks().values()})
        deferrals = [e for e in db_api.event_list(self.context)
                     if e.type == 'task.deferred']
        self.assertEqual(3, len(deferrals))
        # A new reason is worth an event; the same one again is not.
        self.gate = lambda t: 'another reason'
        self.run_pass()
        self.run_pass()
        deferrals = [e for e in db_api.event_list(self.context)
                     if e.type == 'task.deferred']
        self.assertEqual(6, len(deferrals))
        self.assertIn('another reason', deferrals[0].message)
        self.gate = None
        self.assertEqual(3, len(self.run_pass()))

    def test_retry_then_alarm_after_max_attempts(self):
        self.suspect_host(instances=1)
        self.declare()
        self.outcomes['evacuate'] = engine.Outcome(engine.RETRY,
                                                   'Nova says no')
        for _ in range(6):
            self.run_pass()
        evacuate = self.tasks()[('evacuate', self.declare_uuid())]
        self.assertEqual(('failed', 6, 'Nova says no'),
                         (evacuate.state, evacuate.attempts,
                          evacuate.last_error))
        alarms = [e for e in db_api.event_list(self.context)
                  if e.type == 'task.failed']
        self.assertEqual(1, len(alarms))
        self.assertEqual('critical', alarms[0].severity)
        self.assertIn('an operator must act', alarms[0].message)
        retries = [e for e in db_api.event_list(self.context)
                   if e.type == 'task.retry_scheduled']
        self.assertEqual(5, len(retries))

    def declare_uuid(self):
        return db_api.instance_list(self.context)[0].uuid

    def test_cancel_outcome(self):
        self.suspect_host(instances=1)
        self.declare()
        self.outcomes['evacuate'] = engine.Outcome(engine.CANCEL, 'deleted')
        self.run_pass()
        evacuate = self.tasks()[('evacuate', self.declare_uuid())]
        self.assertEqual(('cancelled', 'deleted'),
                         (evacuate.state, evacuate.last_error))

    def test_handler_exception_is_a_retry(self):
        self.suspect_host(instances=0)
        self.declare()

        def boom(task, runner):
            raise RuntimeError('bug')
        self.outcomes['force_down'] = boom
        self.run_pass()
        task = self.tasks()[('force_down', None)]
        self.assertEqual('pending', task.state)
        self.assertEqual('RuntimeError: bug', task.last_error)

    def test_rate_limit_defers_and_resumes(self):
        db_api.settings_update(self.context, {'global_rate_limit': 1})
        self.suspect_host(instances=3)
        self.declare()
        release = self.hold_evacuations()
        claimed = self.engine.run_once(self.context)
        self.assertEqual(3, len(claimed))  # force_down, fence, 1 evacuate
        states_now = sorted(t.state for k, t in self.tasks().items()
                            if k[0] == 'evacuate')
        self.assertEqual(['deferred', 'deferred', 'running'], states_now)
        # force_down and fence end at once; only the slow evacuation
        # holds a worker (4) when the limit goes up.
        deadline = time.monotonic() + 10
        while len(self.engine.running()) > 1:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        # Raising the limit at run time starts the others on the next
        # pass, while the first still runs.
        db_api.settings_update(self.context, {'global_rate_limit': 5})
        self.assertEqual(2, len(self.engine.run_once(self.context)))
        release.set()
        wait_idle(self.engine)
        self.assertEqual({'succeeded'},
                         {t.state for t in self.tasks().values()})

    def test_taken_over_runner_records_nothing(self):
        self.suspect_host(instances=0)
        self.declare()
        started = threading.Event()

        def hang(task, runner):
            started.set()
            while not runner.sleep(0.01):
                pass
            return engine.Outcome(engine.DONE, 'too late')
        self.outcomes['force_down'] = hang
        self.engine.run_once(self.context)
        started.wait(5)
        task = self.tasks()[('force_down', None)]
        # Another conductor takes it over (ours looked dead) and owns it.
        db_api_ctx = self.context
        recovery.task_take_over_stale(
            db_api_ctx, base.now() + base.datetime.timedelta(seconds=120),
            60)
        recovery.task_claim(db_api_ctx, task.uuid, 'other', base.now())
        self.engine.run_once(self.context)
        wait_idle(self.engine)
        task = self.tasks()[('force_down', None)]
        self.assertEqual(('running', 'other'), (task.state, task.owner))


class TestClaimPasses(EngineTestCase):
    """Claims between two whole passes, and passes that spare the
    database what cannot succeed."""

    def test_an_ended_task_wakes_the_engine(self):
        self.suspect_host(instances=0)
        self.declare()
        self.assertFalse(self.engine.wait(0))
        self.engine.run_once(self.context)
        # force_down and fence end at once: the wait ends well before
        # its timeout, and says a claim pass is worth running.
        started = time.monotonic()
        self.assertTrue(self.engine.wait(30))
        self.assertLess(time.monotonic() - started, 10)
        wait_idle(self.engine)

    def test_stop_wakes_a_waiting_engine_without_a_claim(self):
        woken = []
        waiter = threading.Thread(
            target=lambda: woken.append(self.engine.wait(30)))
        waiter.start()
        self.engine.stop()
        waiter.join(10)
        self.assertEqual([False], woken)

    def test_freed_slot_is_claimed_by_a_claim_pass(self):
        db_api.settings_update(self.context, {'global_rate_limit': 1})
        self.suspect_host(instances=2)
        self.declare()
        release = self.hold_evacuations()
        self.engine.run_once(self.context)
        release.set()
        # The first evacuation ends; a claim pass alone (no takeover, no
        # heartbeat) starts the second.
        deadline = time.monotonic() + 10
        claimed = []
        while not claimed:
            self.assertLess(time.monotonic(), deadline)
            self.engine.wait(1)
            claimed = self.engine.claim_due(self.context)
        wait_idle(self.engine)
        evacuations = [t for k, t in self.tasks().items()
                       if k[0] == 'evacuate']
        self.assertEqual(['succeeded', 'succeeded'],
                         [t.state for t in evacuations])

    def test_full_slots_cost_no_claim_and_gates_once_per_failure(self):
        db_api.settings_update(self.context, {'global_rate_limit': 1})
        self.suspect_host(instances=5)
        self.declare()
        gated = []
        self.gate = lambda t: gated.append(t.type)
        self.hold_evacuations()
        claims = []
        real_claim = recovery.task_claim

        def counting_claim(context, uuid, *args, **kwargs):
            claims.append(uuid)
            return real_claim(context, uuid, *args, **kwargs)
        self.useFixture(fixtures.MonkeyPatch(
            'hastack.db.recovery.task_claim', counting_claim))
        self.engine.run_once(self.context)
        # force_down, fence and one evacuation claimed; the 4 other
        # evacuations were counted out without a claim transaction.
        self.assertEqual(3, len(claims))
        self.assertEqual(['force_down', 'fence', 'evacuate'], gated)
        waiting = [t for k, t in self.tasks().items()
                   if k[0] == 'evacuate' and t.state == 'deferred']
        self.assertEqual(4, len(waiting))
        reasons = {t.last_error for t in waiting}
        self.assertEqual(1, len(reasons))
        self.assertTrue(reasons.pop().startswith(
            'rate limit: 1 evacuations at once in all'))
        del claims[:], gated[:]
        deferrals = len([e for e in db_api.event_list(self.context)
                         if e.type == 'task.deferred'])
        self.engine.run_once(self.context)
        self.assertEqual([], claims)
        self.assertEqual(['evacuate'], gated)
        # Still waiting for the same reason: no new event.
        self.assertEqual(deferrals, len([
            e for e in db_api.event_list(self.context)
            if e.type == 'task.deferred']))

    def test_refused_claim_stops_evacuation_claims_for_the_pass(self):
        self.suspect_host(instances=3)
        self.declare()
        # force_down and fence first, so that evacuations are due.
        self.outcomes['evacuate'] = engine.Outcome(engine.RETRY, 'later')
        claims = []
        real_claim = recovery.task_claim

        def refusing_claim(context, uuid, owner, now, **kwargs):
            task = db_api.task_get(context, uuid)
            if task.type == states.TASK_EVACUATE:
                claims.append(uuid)
                # Another conductor took the last slot meanwhile.
                return None, 'rate_limit'
            return real_claim(context, uuid, owner, now, **kwargs)
        self.useFixture(fixtures.MonkeyPatch(
            'hastack.db.recovery.task_claim', refusing_claim))
        self.run_pass()
        self.assertEqual(1, len(claims))
        waiting = [t for k, t in self.tasks().items()
                   if k[0] == 'evacuate']
        self.assertEqual({'deferred'}, {t.state for t in waiting})

    def test_next_in_line_are_the_first_evacuations_waiting(self):
        db_api.settings_update(self.context, {'global_rate_limit': 1})
        self.suspect_host(instances=4)
        self.declare()
        told = []
        self.engine.next_in_line = told.append
        self.hold_evacuations()
        claimed = self.engine.run_once(self.context)
        evacuations = sorted(
            (t for t in db_api.task_list(self.context)
             if t.type == 'evacuate'), key=lambda t: t.id)
        running = [t.uuid for t in evacuations if t.uuid in claimed]
        waiting = [t.uuid for t in evacuations if t.uuid not in claimed]
        self.assertEqual(1, len(running))
        self.assertEqual(waiting[:engine.NEXT_IN_LINE],
                         [t.uuid for t in told])
