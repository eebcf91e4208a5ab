"""Tests of hastack-libvirt-hook's parsing and decisions, in-process.

Nothing here talks to a fitlockd: taking and releasing leases is tested
against real fitlockd processes and a real libvirtd in
tests/functional/fitlock/test_libvirt_hook.py.
"""

import io
import os

import fixtures
from oslotest import base

from hastack.cmd import libvirt_hook

UUID = '6f1c1e4e-1a2b-4c3d-8e9f-0123456789ab'

# What libvirtd 9.0 writes to the hook's stdin at "prepare begin" (with a
# Nova-like metadata block added).
LIBVIRT_XML = """<domain type='qemu' id='1'>
  <name>instance-0000002a</name>
  <uuid>%s</uuid>
  <metadata>
    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">
      <nova:name>web-1</nova:name>
      <uuid>00000000-0000-0000-0000-000000000000</uuid>
    </nova:instance>
  </metadata>
  <memory unit='KiB'>65536</memory>
  <currentMemory unit='KiB'>65536</currentMemory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc-i440fx-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <sysinfo type='smbios'>
    <system><entry name='uuid'>%s</entry></system>
  </sysinfo>
  <on_poweroff>destroy</on_poweroff>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pci-root'/>
    <memballoon model='virtio'/>
  </devices>
</domain>
""" % (UUID, UUID)

# Every qemu hook call libvirt makes (docs/hooks.rst).
LIBVIRT_CALLS = [
    ('prepare', 'begin', '-'), ('start', 'begin', '-'),
    ('started', 'begin', '-'), ('stopped', 'end', '-'),
    ('release', 'end', '-'), ('release', 'end', 'destroyed'),
    ('migrate', 'begin', '-'), ('restore', 'begin', '-'),
    ('reconnect', 'begin', '-'), ('attach', 'begin', '-'),
]


class ParseArgvTestCase(base.BaseTestCase):

    def test_libvirt_arguments(self):
        invocation = libvirt_hook.parse_argv(
            ['instance-0000002a', 'release', 'end', 'shutdown'])
        self.assertEqual(('instance-0000002a', 'release', 'end',
                          'shutdown'),
                         (invocation.domain, invocation.operation,
                          invocation.sub_operation, invocation.extra))

    def test_extra_is_optional_and_more_is_ignored(self):
        self.assertEqual('-', libvirt_hook.parse_argv(
            ['d', 'prepare', 'begin']).extra)
        self.assertEqual('x', libvirt_hook.parse_argv(
            ['d', 'prepare', 'begin', 'x', 'y']).extra)

    def test_too_few_arguments(self):
        for args in ([], ['d'], ['d', 'prepare']):
            e = self.assertRaises(libvirt_hook.HookError,
                                  libvirt_hook.parse_argv, args)
            self.assertEqual(libvirt_hook.EXIT_ERROR, e.exit_code)
            self.assertIn('got %d argument(s)' % len(args), str(e))

    def test_only_prepare_begin_and_release_end_act(self):
        actions = {(op, sub): libvirt_hook.parse_argv(
            ['d', op, sub, extra]).action
            for op, sub, extra in LIBVIRT_CALLS}
        self.assertEqual(
            {('prepare', 'begin'): libvirt_hook.ACQUIRE,
             ('release', 'end'): libvirt_hook.RELEASE},
            {k: v for k, v in actions.items() if v is not None})
        # The sub-operation matters, not only the operation.
        self.assertIsNone(libvirt_hook.parse_argv(
            ['d', 'prepare', 'end', '-']).action)
        self.assertIsNone(libvirt_hook.parse_argv(
            ['d', 'release', 'begin', '-']).action)


class DomainUuidTestCase(base.BaseTestCase):

    def test_libvirt_xml(self):
        self.assertEqual(UUID, libvirt_hook.domain_uuid(LIBVIRT_XML))
        self.assertEqual(UUID, libvirt_hook.domain_uuid(
            LIBVIRT_XML.encode()))

    def test_encoding_declaration(self):
        xml = ("<?xml version='1.0' encoding='UTF-8'?>\n"
               "<domain><name>caf\u00e9</name><uuid>%s</uuid></domain>"
               % UUID)
        self.assertEqual(UUID, libvirt_hook.domain_uuid(xml.encode()))

    def test_canonical_form(self):
        for text in (UUID.upper(), '  %s\n' % UUID, UUID.replace('-', ''),
                     '{%s}' % UUID):
            self.assertEqual(UUID, libvirt_hook.domain_uuid(
                '<domain><uuid>%s</uuid></domain>' % text))

    def _error(self, xml):
        e = self.assertRaises(libvirt_hook.HookError,
                              libvirt_hook.domain_uuid, xml)
        self.assertEqual(libvirt_hook.EXIT_ERROR, e.exit_code)
        return str(e)

    def test_no_xml(self):
        for xml in ('', b'', b'  \n'):
            self.assertEqual('no domain XML on stdin', self._error(xml))

    def test_not_well_formed(self):
        self.assertIn('not well-formed', self._error('<domain><uuid>'))

    def test_not_a_domain(self):
        self.assertEqual(
            'stdin holds a <network> document, not a <domain>',
            self._error('<network><uuid>%s</uuid></network>' % UUID))

    def test_no_uuid(self):
        for xml in ('<domain><name>d</name></domain>',
                    '<domain><uuid> </uuid></domain>',
                    '<domain><metadata><uuid>%s</uuid></metadata>'
                    '</domain>' % UUID):
            self.assertEqual('the domain XML has no <uuid>',
                             self._error(xml))

    def test_invalid_uuid(self):
        self.assertEqual("the domain XML has an invalid <uuid> 'abc'",
                         self._error('<domain><uuid>abc</uuid></domain>'))


class ConfigTestCase(base.BaseTestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def _write(self, text, name='hastack.conf'):
        path = os.path.join(self.tmp, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def test_default_config_file(self):
        self.assertEqual(['/etc/hastack/hastack.conf'],
                         libvirt_hook.config_files({}))
        self.assertEqual(['/etc/hastack/hastack.conf'],
                         libvirt_hook.config_files(
                             {'HASTACK_CONFIG_FILES': ' , '}))

    def test_config_files_from_environment(self):
        self.assertEqual(['/a.conf', '/b.conf'], libvirt_hook.config_files(
            {'HASTACK_CONFIG_FILES': '/a.conf, /b.conf'}))

    def test_fitlock_options(self):
        first = self._write('[DEFAULT]\nhost = h1\n[database]\n'
                            'connection = sqlite://\n[fitlock]\n'
                            'socket_path = /run/x.sock\n'
                            'lockspaces = alpha, beta\n')
        second = self._write('[fitlock]\nio_timeout = 2.5\n',
                             name='override.conf')
        conf = libvirt_hook.load_config([first, second])
        self.assertEqual(('/run/x.sock', ['alpha', 'beta'], 2.5),
                         (conf.fitlock.socket_path, conf.fitlock.lockspaces,
                          conf.fitlock.io_timeout))

    def test_defaults(self):
        conf = libvirt_hook.load_config([self._write('')])
        self.assertEqual(('/run/hastack/fitlockd.sock', ['hastack'], 10.0),
                         (conf.fitlock.socket_path, conf.fitlock.lockspaces,
                          conf.fitlock.io_timeout))

    def test_missing_file(self):
        e = self.assertRaises(libvirt_hook.HookError,
                              libvirt_hook.load_config, ['/nonexistent.conf'])
        self.assertEqual('cannot read the configuration /nonexistent.conf '
                         '(set HASTACK_CONFIG_FILES to use other files)',
                         str(e))

    def test_bad_value(self):
        path = self._write('[fitlock]\nio_timeout = soon\n')
        e = self.assertRaises(libvirt_hook.HookError,
                              libvirt_hook.load_config, [path])
        self.assertIn('bad configuration in %s' % path, str(e))
        self.assertIn('io_timeout', str(e))

    def test_no_lockspace(self):
        path = self._write('[fitlock]\nlockspaces =\n')
        e = self.assertRaises(libvirt_hook.HookError,
                              libvirt_hook.load_config, [path])
        self.assertIn('[fitlock] lockspaces is empty', str(e))

    def test_timeout_follows_io_timeout(self):
        # F = 8N, never below MIN_TIMEOUT.
        self.assertEqual(80.0, libvirt_hook.timeout_for(10.0))
        self.assertEqual(libvirt_hook.MIN_TIMEOUT,
                         libvirt_hook.timeout_for(0.2))


class MainTestCase(base.BaseTestCase):
    """main() as libvirt calls it, for what needs no fitlockd."""

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.stdout = io.StringIO()
        self.stderr = io.StringIO()
        self.useFixture(fixtures.MonkeyPatch('sys.stdout', self.stdout))
        self.useFixture(fixtures.MonkeyPatch('sys.stderr', self.stderr))
        self.config = os.path.join(self.tmp, 'hastack.conf')
        with open(self.config, 'w') as f:
            f.write('[fitlock]\nsocket_path = %s\nlockspaces = ls\n'
                    % os.path.join(self.tmp, 'no-fitlockd.sock'))

    def _main(self, args, xml=LIBVIRT_XML, config=None):
        stdin = io.BytesIO(xml.encode())
        code = libvirt_hook.main(
            args, stdin=stdin,
            environ={'HASTACK_CONFIG_FILES': config or self.config})
        self.assertEqual('', self.stdout.getvalue())
        if len(args) >= 3:
            self.assertEqual(b'', stdin.read(), 'stdin was not drained')
        return code

    def assertOneLine(self, *fragments):
        err = self.stderr.getvalue()
        self.assertEqual(1, len(err.splitlines()), err)
        self.assertTrue(err.startswith('hastack-libvirt-hook: '), err)
        self.assertTrue(err.endswith('\n'), err)
        for fragment in fragments:
            self.assertIn(fragment, err)
        return err

    def test_other_operations_do_nothing(self):
        # Not even read the XML or the configuration.
        for op, sub, extra in LIBVIRT_CALLS:
            if (op, sub) in libvirt_hook.ACTIONS:
                continue
            self.assertEqual(0, self._main(['d', op, sub, extra],
                                           xml='garbage',
                                           config='/nonexistent.conf'))
        self.assertEqual('', self.stderr.getvalue())

    def test_bad_invocation(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(['d']))
        self.assertOneLine('expected "<domain> <operation> <sub-operation> '
                           '[<extra>]"')

    def test_bad_xml_refuses_the_start(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['instance-1', 'prepare', 'begin', '-'], xml='<domain>'))
        self.assertOneLine('refusing to start domain instance-1: the '
                           'domain XML on stdin is not well-formed')

    def test_missing_config_refuses_the_start(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['instance-0000002a', 'prepare', 'begin', '-'],
            config='/nonexistent.conf'))
        self.assertOneLine('refusing to start domain instance-0000002a '
                           '(%s): cannot read the configuration '
                           '/nonexistent.conf' % UUID)

    def test_no_fitlockd_refuses_the_start(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['instance-0000002a', 'prepare', 'begin', '-']))
        self.assertOneLine(
            'refusing to start domain instance-0000002a (%s): fitlockd is '
            'not answering on %s: No such file or directory'
            % (UUID, os.path.join(self.tmp, 'no-fitlockd.sock')))

    def test_no_fitlockd_at_release(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['instance-0000002a', 'release', 'end', 'shutdown']))
        self.assertOneLine('could not release the instance lease of domain '
                           'instance-0000002a (%s): fitlockd is not '
                           'answering' % UUID)

    def test_messages_stay_on_one_line(self):
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['a\nb', 'prepare', 'begin', '-'], xml='<domain>\n<uuid>'))
        self.assertOneLine('refusing to start domain a b:')

    def test_huge_stdin(self):
        self.useFixture(fixtures.MonkeyPatch(
            'hastack.cmd.libvirt_hook.MAX_XML_BYTES', 10))
        self.assertEqual(libvirt_hook.EXIT_ERROR, self._main(
            ['d', 'prepare', 'begin', '-'], xml=' ' * 11))
        self.assertOneLine('the domain XML on stdin exceeds 10 bytes')

    def test_help(self):
        self.assertEqual(0, libvirt_hook.main(['--help']))
        self.assertIn('libvirt\'s qemu hook', self.stdout.getvalue())
