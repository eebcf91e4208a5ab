"""hastack-libvirt-hook, run as libvirt runs it (argv, domain XML on stdin,
libvirt's scrubbed environment) against real fitlockd processes sharing a
folder, and once as the qemu hook of a real libvirtd starting QEMU."""

import signal
import time
import uuid

import testtools
from testtools import content

from hastack.cmd import libvirt_hook
from hastack.fitlock import client as client_mod
from hastack.fitlock import timing as timing_mod
from tests.functional.fitlock import fixtures as fl
from tests.functional.fitlock import libvirt_fixtures as lf

NAME = 'instance-0000002a'
# What libvirtd runs around a start and a stop, after prepare begin and
# before release end; the hook must do nothing for any of them.
OTHER_CALLS = [('start', 'begin'), ('started', 'begin'),
               ('stopped', 'end'), ('migrate', 'begin'),
               ('restore', 'begin'), ('reconnect', 'begin'),
               ('attach', 'begin')]


class _HookTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.hooks = self.useFixture(lf.HookDir())
        self.uuid = str(uuid.uuid4())
        self.xml = lf.domain_xml(NAME, self.uuid)
        self.timings = []
        self.addDetail('timings', content.Content(
            content.UTF8_TEXT,
            lambda: [''.join('%s: %.3f s\n' % t
                             for t in self.timings).encode()]))

    def hook(self, host, operation, sub_operation, extra='-', xml=None,
             config_files=None):
        result = lf.run_hook(
            self.hooks.qemu, NAME, operation, sub_operation, extra,
            self.xml if xml is None else xml,
            config_files or [host.config])
        self.timings.append(('%s %s %s' % (
            getattr(host, 'host_id', '-'), operation, sub_operation),
            result.elapsed))
        return result

    def assertSucceeded(self, result):
        self.assertEqual((0, b'', ''), (result.returncode, result.stdout,
                                        result.err), result)

    def assertFailedWithOneLine(self, code, result, *fragments):
        self.assertEqual(code, result.returncode, result)
        self.assertEqual(b'', result.stdout)
        self.assertTrue(result.err.endswith('\n'), result.err)
        self.assertEqual(1, len(result.err.splitlines()), result.err)
        self.assertTrue(result.err.startswith('hastack-libvirt-hook: '),
                        result.err)
        for fragment in fragments:
            self.assertIn(fragment, result.err)

    def leases(self, host):
        return host.lockspace_status()['leases']


class TestOtherOperations(_HookTestCase):

    def test_other_operations_do_nothing(self):
        # Neither the configuration nor the XML is read: with a missing
        # configuration and garbage on stdin they still succeed, silently
        # (stdout must stay empty: libvirt reads it as a new XML at
        # migrate begin and restore begin).
        for operation, sub_operation in OTHER_CALLS:
            self.assertSucceeded(self.hook(
                None, operation, sub_operation, xml='not xml',
                config_files=['/nonexistent/hastack.conf']))


class TestTwoHosts(_HookTestCase):

    def setUp(self):
        super().setUp()
        self.shared = self.useFixture(fl.SharedFolder())
        self.host1 = self.useFixture(fl.Fitlockd(self.shared, 1))
        self.host2 = self.useFixture(fl.Fitlockd(self.shared, 2))

    def test_second_start_refused_while_first_host_lives(self):
        # Host 1 starts the instance: the lease is taken at prepare begin.
        self.assertSucceeded(self.hook(self.host1, 'prepare', 'begin'))
        self.assertEqual([self.uuid], self.leases(self.host1))
        for operation, sub_operation in (('start', 'begin'),
                                         ('started', 'begin')):
            self.assertSucceeded(self.hook(self.host1, operation,
                                           sub_operation))

        # Host 2 tries to start the same instance: refused, and libvirt
        # then runs stopped end and release end there, which must leave
        # host 1's lease alone.
        refused = self.hook(self.host2, 'prepare', 'begin')
        self.assertFailedWithOneLine(
            libvirt_hook.EXIT_REFUSED, refused,
            'refusing to start domain %s (%s)' % (NAME, self.uuid),
            'held by host 1 (host1), which is or may be alive')
        self.assertSucceeded(self.hook(self.host2, 'stopped', 'end'))
        self.assertSucceeded(self.hook(self.host2, 'release', 'end',
                                       'failed'))
        self.assertEqual([], self.leases(self.host2))
        view = self.host2.call('inquire', lockspace='ls',
                               resource=self.uuid)
        self.assertEqual((True, 1), (view['held'], view['owner_id']))
        self.assertEqual([self.uuid], self.leases(self.host1))

        # Host 1 stops it: release end gives the lease up ...
        self.assertSucceeded(self.hook(self.host1, 'stopped', 'end'))
        self.assertSucceeded(self.hook(self.host1, 'release', 'end',
                                       'destroyed'))
        self.assertEqual([], self.leases(self.host1))

        # ... and host 2 may start it now.
        self.assertSucceeded(self.hook(self.host2, 'prepare', 'begin'))
        self.assertEqual([self.uuid], self.leases(self.host2))
        self.assertFailedWithOneLine(
            libvirt_hook.EXIT_REFUSED, self.hook(self.host1, 'prepare',
                                                 'begin'),
            'held by host 2 (host2)')

    def test_release_of_a_lease_not_held_is_quiet(self):
        self.assertSucceeded(self.hook(self.host2, 'release', 'end'))
        self.assertSucceeded(self.hook(self.host1, 'prepare', 'begin'))
        self.assertSucceeded(self.hook(self.host2, 'release', 'end'))
        self.assertEqual([self.uuid], self.leases(self.host1))

    def test_start_again_on_the_holding_host(self):
        # libvirtd died between start and release end: the next start on
        # the same host finds the lease already its own.
        self.assertSucceeded(self.hook(self.host1, 'prepare', 'begin'))
        self.assertSucceeded(self.hook(self.host1, 'prepare', 'begin'))
        self.assertEqual([self.uuid], self.leases(self.host1))

    def test_uuid_is_canonical(self):
        upper = lf.domain_xml(NAME, self.uuid.upper())
        self.assertSucceeded(self.hook(self.host1, 'prepare', 'begin',
                                       xml=upper))
        self.assertEqual([self.uuid], self.leases(self.host1))
        self.assertFailedWithOneLine(
            libvirt_hook.EXIT_REFUSED,
            self.hook(self.host2, 'prepare', 'begin'), self.uuid)

    def test_fitlockd_down_refuses_the_start(self):
        self.host1.kill()
        result = self.hook(self.host1, 'prepare', 'begin')
        self.assertFailedWithOneLine(
            libvirt_hook.EXIT_ERROR, result,
            'refusing to start domain %s (%s)' % (NAME, self.uuid),
            'fitlockd is not answering on %s' % self.host1.socket_path)
        self.assertLess(result.elapsed, 3)
        # At release end the failure is only logged by libvirt.
        self.assertFailedWithOneLine(
            libvirt_hook.EXIT_ERROR, self.hook(self.host1, 'release', 'end'),
            'could not release the instance lease of domain %s' % NAME)

    def test_frozen_fitlockd_does_not_hang_the_start(self):
        self.host1.signal(signal.SIGSTOP)
        self.addCleanup(self.host1.signal, signal.SIGCONT)
        result = self.hook(self.host1, 'prepare', 'begin')
        self.assertFailedWithOneLine(libvirt_hook.EXIT_ERROR, result,
                                     'did not answer')
        limit = libvirt_hook.timeout_for(fl.FAST.io_timeout)
        self.assertGreater(result.elapsed, limit - 0.5)
        self.assertLess(result.elapsed, limit + 2)

    def test_lockspace_not_joined_refuses_the_start(self):
        config = self.useFixture(lf.ConfigCopy(
            self.host1.config, 'lockspaces = ls\n', 'lockspaces = other\n'))
        result = self.hook(self.host1, 'prepare', 'begin',
                           config_files=[config.path])
        self.assertFailedWithOneLine(libvirt_hook.EXIT_ERROR, result,
                                     'lockspace other is not joined',
                                     'unknown_lockspace')
        self.assertLess(result.elapsed, 3)


class TestJoining(_HookTestCase):

    # N = 1 s: joining takes 2N, long enough to start the hook meanwhile.
    TIMING = timing_mod.Timing(io_timeout=1.0, watchdog=2.0,
                               arbiter_wait=0.5, kill_time=0.5, slop=0.2)

    def test_start_waits_for_the_lockspace_being_joined(self):
        shared = self.useFixture(fl.SharedFolder(timing=self.TIMING))
        host = self.useFixture(fl.Fitlockd(shared, 1, timing=self.TIMING))
        host.reboot()
        host.start(wait_joined=False)
        self.assertEqual('joining', host.lockspace_status()['state'])
        result = self.hook(host, 'prepare', 'begin')
        self.assertSucceeded(result)
        self.assertEqual('ok', host.lockspace_status()['state'])
        self.assertEqual([self.uuid], self.leases(host))


class TestRealLibvirtd(_HookTestCase):
    """The hook installed as /etc/libvirt/hooks/qemu of a real libvirtd.

    Host 1 is another live host; host 2 runs the libvirtd.
    """

    def test_start_refused_while_another_host_holds_the_lease(self):
        shared = self.useFixture(fl.SharedFolder())
        host1 = self.useFixture(fl.Fitlockd(shared, 1))
        host2 = self.useFixture(fl.Fitlockd(shared, 2))
        started = time.monotonic()
        libvirtd = lf.use_libvirtd(self, [host2.config])
        self.timings.append(('libvirtd up', time.monotonic() - started))
        name = lf.DOMAIN_PREFIX + self.uuid[:8]

        host1.acquire(self.uuid)
        refused = libvirtd.create(name, self.uuid)
        self.timings.append(('virsh create (refused)', refused.elapsed))
        self.assertNotEqual(0, refused.returncode, refused.out)
        self.assertIn('Hook script execution failed', refused.err)
        self.assertIn('unexpected exit status 1: hastack-libvirt-hook: '
                      'refusing to start domain %s (%s): its instance '
                      'lease in lockspace ls is held by host 1 (host1), '
                      'which is or may be alive' % (name, self.uuid),
                      refused.err)
        self.assertNotIn(name, libvirtd.running())
        self.assertEqual([], self.leases(host2))
        self.assertEqual([self.uuid], self.leases(host1))
        # libvirtd cleaned up after the refused start by calling the hook
        # again, which left host 1's lease alone.
        self.assertEqual([('prepare', 'begin', '-'), ('stopped', 'end', '-'),
                          ('release', 'end', '-')],
                         libvirtd.hook_calls(name))

        host1.call('release', lockspace='ls', resource=self.uuid)
        created = libvirtd.create(name, self.uuid)
        self.timings.append(('virsh create', created.elapsed))
        self.assertEqual(0, created.returncode, created.err)
        self.assertIn(name, libvirtd.running())
        self.assertEqual([self.uuid], self.leases(host2))
        e = self.assertRaises(client_mod.RemoteError, host1.acquire,
                              self.uuid)
        self.assertEqual('lease_held', e.code)

        destroyed = libvirtd.virsh('destroy', name)
        self.timings.append(('virsh destroy', destroyed.elapsed))
        self.assertEqual(0, destroyed.returncode, destroyed.err)
        self.assertNotIn(name, libvirtd.running())
        self.assertEqual([], self.leases(host2))
        self.assertEqual(1, host1.acquire(self.uuid)['owner_id'])
        self.assertEqual(
            [('prepare', 'begin'), ('stopped', 'end'), ('release', 'end'),
             ('prepare', 'begin'), ('start', 'begin'), ('started', 'begin'),
             ('stopped', 'end'), ('release', 'end')],
            [call[:2] for call in libvirtd.hook_calls(name)])
