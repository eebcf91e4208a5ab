"""Fitlock's timing formulas and the safety check."""

from oslotest import base

from hastack.fitlock import timing as timing_mod


class TestFormulas(base.BaseTestCase):

    def test_defaults_are_sanlocks(self):
        t = timing_mod.Timing()
        self.assertEqual(10.0, t.io_timeout)
        self.assertEqual(60.0, t.watchdog)
        self.assertEqual(20.0, t.renewal_interval)
        self.assertEqual(80.0, t.renewal_fail)
        self.assertEqual(140.0, t.host_dead)
        self.assertEqual(20.0, t.join_delay)
        self.assertIs(t, t.check())

    def test_derived_from_n_and_w(self):
        t = timing_mod.Timing(io_timeout=3.0, watchdog=25.0,
                              arbiter_wait=10.0, kill_time=5.0, slop=1.0)
        self.assertEqual(6.0, t.renewal_interval)
        self.assertEqual(24.0, t.renewal_fail)
        self.assertEqual(49.0, t.host_dead)
        self.assertEqual(6.0, t.join_delay)

    def test_trusted_age_and_rejoin_gap(self):
        t = timing_mod.Timing()
        self.assertEqual(70.0, t.trusted_age)     # F - N
        self.assertEqual(120.0, t.rejoin_gap)     # H - 2N
        # A lease trusted up to F - N is covered by the watchdog before
        # H - N; a gap of H - 2N ends the generation before anyone can
        # have seen H of stillness (which needs a gap of H - N).
        self.assertLess(t.trusted_age + t.watchdog, t.host_dead)
        self.assertLess(t.rejoin_gap + t.io_timeout, t.host_dead)

    def test_h_exceeds_the_fencing_timeline(self):
        # The owner has stopped its holders (F + A + T_kill + slop) before
        # anyone may take over (H), whenever check() passes.
        t = timing_mod.Timing().check()
        self.assertLessEqual(t.renewal_fail + t.arbiter_wait + t.kill_time
                             + t.slop, t.host_dead)


class TestCheck(base.BaseTestCase):

    def test_refuses_slow_fencing_naming_the_numbers(self):
        t = timing_mod.Timing(watchdog=60.0, arbiter_wait=40.0,
                              kill_time=15.0, slop=10.0)
        e = self.assertRaises(timing_mod.UnsafeTiming, t.check)
        message = str(e)
        for number in ('arbiter_wait (40.0 s)', 'kill_time (15.0 s)',
                       'slop (10.0 s)', '= 65.0 s', 'W = 60.0 s',
                       'H = F + W = 140.0 s'):
            self.assertIn(number, message)

    def test_boundary_is_accepted(self):
        t = timing_mod.Timing(watchdog=60.0, arbiter_wait=45.0,
                              kill_time=10.0, slop=5.0)
        self.assertIs(t, t.check())

    def test_just_over_the_boundary_is_refused(self):
        t = timing_mod.Timing(watchdog=60.0, arbiter_wait=45.0,
                              kill_time=10.0, slop=5.001)
        self.assertRaises(timing_mod.UnsafeTiming, t.check)

    def test_refuses_slop_above_n(self):
        # A + T_kill + slop = 5 + 5 + 50 <= W = 60 holds, but the watchdog
        # path needs slop <= N: it resets a stuck host before H - N.
        t = timing_mod.Timing(arbiter_wait=5.0, kill_time=5.0, slop=50.0)
        e = self.assertRaises(timing_mod.UnsafeTiming, t.check)
        for number in ('slop (50.0 s)', 'N = 10.0 s', 'H - N = 130.0 s',
                       'H = 140.0 s'):
            self.assertIn(number, str(e))

    def test_slop_equal_to_n_is_accepted(self):
        t = timing_mod.Timing(io_timeout=5.0, arbiter_wait=5.0,
                              kill_time=5.0, slop=5.0)
        self.assertIs(t, t.check())

    def test_refuses_negative_durations(self):
        for name in ('io_timeout', 'watchdog', 'arbiter_wait', 'kill_time',
                     'slop'):
            t = timing_mod.Timing(**{name: -1.0})
            e = self.assertRaises(timing_mod.UnsafeTiming, t.check)
            self.assertIn(name, str(e))

    def test_refuses_zero_io_timeout(self):
        self.assertRaises(timing_mod.UnsafeTiming,
                          timing_mod.Timing(io_timeout=0.0).check)

    def test_unsafe_timing_is_a_value_error(self):
        self.assertTrue(issubclass(timing_mod.UnsafeTiming, ValueError))


class TestFeeder(base.BaseTestCase):

    def test_pets_while_one_more_pet_stays_before_f(self):
        t = timing_mod.Timing()
        self.assertTrue(t.feeder_may_pet(0.0))
        self.assertTrue(t.feeder_may_pet(69.999))
        self.assertFalse(t.feeder_may_pet(70.0))
        self.assertFalse(t.feeder_may_pet(500.0))

    def test_watchdog_fires_before_h(self):
        # The last pet happens at an age below F - N, so the watchdog
        # fires before F - N + W = H - N, whatever N and W are.
        for n, w in ((10.0, 60.0), (1.0, 6.0), (0.05, 1.0), (30.0, 30.0)):
            t = timing_mod.Timing(io_timeout=n, watchdog=w)
            ages = [i * n / 10 for i in range(200)]
            last_pet = max(a for a in ages if t.feeder_may_pet(a))
            self.assertLess(last_pet + w, t.host_dead - n + 1e-9)
