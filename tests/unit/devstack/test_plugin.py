"""The devstack plugin (devstack/plugin.sh) against stand-in devstack.

Each test sources devstack/settings and devstack/plugin.sh in bash, as
stack.sh does, with devstack's functions replaced by the stubs of
devstack-stubs.sh that log their calls, and fake console scripts
(fitlock, hastack-manage, ...) that log theirs. The tests assert on the
calls each phase makes and on the values it gives ``iniset``.
"""

import os
import pathlib
import pwd
import shutil
import stat
import subprocess
import textwrap

import fixtures
import testtools
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]
DEVSTACK = ROOT / 'devstack'
STUBS = pathlib.Path(__file__).resolve().parent / 'devstack-stubs.sh'
SCRIPTS = ('devstack/plugin.sh', 'devstack/settings', 'devstack/lib/hastack')

CONTROLLER_AND_COMPUTE = ('key,mysql,rabbit,etcd3,n-api,n-cpu,horizon,'
                          'hastack-api,hastack-conductor,hastack-agent,'
                          'hastack-fitlockd')

# A fake console script: logs its name and arguments to $STUB_LOG.
FAKE_SCRIPT = textwrap.dedent('''\
    #!/bin/bash
    (IFS=$'\\t'; printf '%s\\t%s\\n' "$(basename "$0")" "$*") >>"$STUB_LOG"
    ''')

# The fake fitlock also creates the lockspace file on "init" and answers
# "status" with the state in $FAKE_FITLOCK_STATE.
FAKE_FITLOCK = FAKE_SCRIPT + textwrap.dedent('''\
    for arg in "$@"; do last=$arg; done
    case " $* " in
        *" init "*) touch "$FAKE_FITLOCK_DIR/$last.lockspace" ;;
        *" status "*) printf '{"lockspaces": [{"lockspace": "hastack", \
    "state": "%s"}]}\\n' "${FAKE_FITLOCK_STATE:-ok}" ;;
    esac
    ''')


class PluginRun:
    """One bash process sourcing the plugin for some phases."""

    def __init__(self, returncode, stdout, stderr, calls):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.calls = calls

    def named(self, name):
        """The argument lists of every call of ``name``."""
        return [c[1:] for c in self.calls if c[0] == name]

    def names(self):
        """The names of the calls, in order."""
        return [c[0] for c in self.calls]

    def ini(self, path):
        """``{(section, option): value}`` that iniset gave ``path``."""
        return {(c[1], c[2]): c[3] for c in self.named('iniset')
                if c[0] == path}

    def index(self, name, *args):
        """Position of the first call of ``name`` starting with ``args``."""
        for i, call in enumerate(self.calls):
            if call[0] == name and tuple(call[1:1 + len(args)]) == args:
                return i
        raise AssertionError('no call %s %s in %s' % (name, args,
                                                      self.calls))


class TestDevstackPlugin(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = pathlib.Path(self.useFixture(fixtures.TempDir()).path)
        self.bin = self.tmp / 'bin'
        self.bin.mkdir()
        for name in ('hastack-manage', 'hastack-conductor', 'hastack-agent',
                     'fitlockd', 'uwsgi'):
            self._script(name, FAKE_SCRIPT)
        self._script('fitlock', FAKE_FITLOCK)
        self._script('hastack-libvirt-hook', FAKE_SCRIPT +
                     'echo "config=$HASTACK_CONFIG_FILES" >>"$STUB_LOG"\n')
        self.horizon = self.tmp / 'horizon'
        self.log = self.tmp / 'calls.log'
        self.env = {
            'DEST': str(self.tmp / 'opt'),
            'DATA_DIR': str(self.tmp / 'data'),
            'STACK_USER': _user(),
            'HOST_IP': '10.0.0.5',
            'SERVICE_HOST': '10.0.0.5',
            'SERVICE_PROTOCOL': 'http',
            'ETCD_PORT': '2379',
            'KEYSTONE_SERVICE_URI': 'http://10.0.0.5/identity',
            'SERVICE_PASSWORD': 'secretservice',
            'SERVICE_DOMAIN_NAME': 'Default',
            'SERVICE_PROJECT_NAME': 'service',
            'REGION_NAME': 'RegionOne',
            'ENABLE_DEBUG_LOG_LEVEL': 'True',
            'SERVICE_TIMEOUT': '60',
            'HORIZON_DIR': str(self.horizon),
            'HASTACK_DIR': str(ROOT),
            'HASTACK_CONF_DIR': str(self.tmp / 'etc'),
            'HASTACK_LIBVIRT_HOOK_PATH': str(self.tmp / 'hooks' / 'qemu'),
            'ENABLED_SERVICES': CONTROLLER_AND_COMPUTE,
            'DISABLED_SERVICES': '',
        }
        self.conf = str(self.tmp / 'etc' / 'hastack.conf')

    def _script(self, name, text):
        path = self.bin / name
        path.write_text(text)
        path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP |
                   stat.S_IXOTH)

    def run_phases(self, *phases, **env):
        """Source settings once, then plugin.sh once per phase.

        :param phases: strings such as ``'stack post-config'``.
        :param env: devstack variables to set (local.conf's localrc).
        :returns: a :class:`PluginRun`.
        """
        variables = dict(self.env, **env)
        lines = ['set -o errexit', 'source %s' % _q(STUBS)]
        lines += ['%s=%s' % (k, _q(v)) for k, v in sorted(variables.items())]
        lines.append('source devstack/settings')
        lines += ['source devstack/plugin.sh %s' % phase for phase in phases]
        process_env = {
            'PATH': '%s:%s' % (self.bin, os.environ.get('PATH', '')),
            'STUB_LOG': str(self.log),
            'FAKE_BIN': str(self.bin),
            'FAKE_FITLOCK_DIR': variables.get(
                'HASTACK_FITLOCK_DIR',
                os.path.join(variables['DATA_DIR'], 'hastack', 'shared')),
            'HOME': str(self.tmp),
            'LC_ALL': 'C',
        }
        if 'FAKE_FITLOCK_STATE' in env:
            process_env['FAKE_FITLOCK_STATE'] = env['FAKE_FITLOCK_STATE']
        if self.log.exists():
            self.log.unlink()
        result = subprocess.run(['bash', '-c', '\n'.join(lines)],
                                cwd=ROOT, env=process_env,
                                capture_output=True, text=True, timeout=60)
        calls = []
        if self.log.exists():
            calls = [line.split('\t')
                     for line in self.log.read_text().splitlines()]
        return PluginRun(result.returncode, result.stdout, result.stderr,
                         calls)

    def assertSucceeded(self, run):
        self.assertEqual(0, run.returncode,
                         'stdout: %s\nstderr: %s\ncalls: %s'
                         % (run.stdout, run.stderr, run.calls))

    # -- stack install -------------------------------------------------

    def test_install_sets_up_the_checkout(self):
        run = self.run_phases('stack install')
        self.assertSucceeded(run)
        self.assertEqual([[str(ROOT)]], run.named('setup_develop'))
        self.assertEqual(['echo_summary', 'setup_develop'], run.names())

    def test_nothing_happens_without_a_hastack_service(self):
        run = self.run_phases(
            'stack install', 'stack post-config', 'stack extra', 'unstack',
            'clean', ENABLED_SERVICES='key,mysql,n-cpu',
            DISABLED_SERVICES=('hastack-api,hastack-conductor,'
                               'hastack-agent,hastack-fitlockd'))
        self.assertSucceeded(run)
        self.assertEqual([], run.calls)

    def test_settings_enable_the_four_services(self):
        lines = ['source %s' % _q(STUBS), 'ENABLED_SERVICES=key',
                 'DISABLED_SERVICES=', 'DEST=/opt/stack',
                 'source devstack/settings', 'echo "$ENABLED_SERVICES"']
        out = subprocess.run(['bash', '-c', '\n'.join(lines)], cwd=ROOT,
                             env={'PATH': os.environ['PATH'],
                                  'FAKE_BIN': str(self.bin)},
                             capture_output=True, text=True, check=True)
        self.assertEqual('key,hastack-api,hastack-conductor,hastack-agent,'
                         'hastack-fitlockd', out.stdout.strip())

    # -- stack post-config ---------------------------------------------

    def test_post_config_writes_the_config_file(self):
        run = self.run_phases('stack post-config')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        etcd = 'http://10.0.0.5:2379'
        expected = {
            ('DEFAULT', 'debug'): 'True',
            ('DEFAULT', 'transport_url'):
                'rabbit://stackrabbit:secret@10.0.0.5:5672/',
            ('DEFAULT', 'state_path'): self.env['DATA_DIR'] + '/hastack',
            ('database', 'connection'):
                'mysql+pymysql://root:secret@127.0.0.1/hastack?charset=utf8',
            ('api', 'auth_strategy'): 'keystone',
            ('nova', 'auth_type'): 'password',
            ('nova', 'auth_url'): 'http://10.0.0.5/identity',
            ('nova', 'username'): 'hastack',
            ('nova', 'password'): 'secretservice',
            ('nova', 'user_domain_name'): 'Default',
            ('nova', 'project_name'): 'service',
            ('nova', 'project_domain_name'): 'Default',
            ('nova', 'region_name'): 'RegionOne',
            ('plane_mgmt', 'endpoints'): etcd,
            ('plane_service', 'endpoints'): etcd,
            ('plane_storage', 'endpoints'): etcd,
            ('conductor', 'coordination_backend_url'):
                'etcd3+http://10.0.0.5:2379',
        }
        for key, value in expected.items():
            self.assertEqual(value, ini.get(key), key)
        self.assertEqual(
            [[self.conf, 'hastack', 'keystone_authtoken',
              'high-availability']],
            run.named('configure_keystone_authtoken_middleware'))
        self.assertEqual([[self.conf]], run.named('setup_logging'))
        self.assertNotIn(('ha', 'heartbeat_interval'), ini)

    def test_post_config_compute_options(self):
        run = self.run_phases('stack post-config')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        shared = self.env['DATA_DIR'] + '/hastack/shared'
        self.assertEqual(shared, ini[('fitlock', 'directory')])
        self.assertEqual('hastack', ini[('fitlock', 'lockspaces')])
        # 10.0.0.5: slot 6.
        self.assertEqual('6', ini[('fitlock', 'host_id')])
        self.assertEqual('/run/hastack/fitlockd.sock',
                         ini[('fitlock', 'socket_path')])
        self.assertEqual('hastack', ini[('agent', 'lockspace')])
        self.assertEqual(shared, ini[('agent', 'shared_mount_point')])
        self.assertEqual('False', ini[('agent', 'shared_must_be_mount')])
        self.assertNotIn(('agent', 'mount_command'), ini)
        self.assertNotIn(('fitlock', 'fence_command'), ini)

    def test_post_config_shared_mount_and_hook(self):
        run = self.run_phases(
            'stack post-config', HASTACK_FITLOCK_HOST_ID='17',
            HASTACK_SHARED_MOUNT_COMMAND='mount -t nfs ctl:/ha /srv/ha',
            HASTACK_FITLOCK_DIR='/srv/ha', HASTACK_LIBVIRT_HOOK='True')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        self.assertEqual('17', ini[('fitlock', 'host_id')])
        self.assertEqual('/srv/ha', ini[('fitlock', 'directory')])
        self.assertEqual('True', ini[('agent', 'shared_must_be_mount')])
        self.assertEqual('mount -t nfs ctl:/ha /srv/ha',
                         ini[('agent', 'mount_command')])
        self.assertEqual('virsh -c qemu:///system destroy {resource}',
                         ini[('fitlock', 'fence_command')])

    def test_post_config_planes_can_have_their_own_clusters(self):
        run = self.run_phases(
            'stack post-config',
            HASTACK_PLANE_STORAGE_ENDPOINTS='http://192.168.2.1:2379',
            HASTACK_PLANE_SERVICE_ENDPOINTS=('http://192.168.1.1:2379,'
                                             'http://192.168.1.2:2379'),
            HASTACK_HEARTBEAT_INTERVAL='5')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        self.assertEqual('http://10.0.0.5:2379',
                         ini[('plane_mgmt', 'endpoints')])
        self.assertEqual('http://192.168.1.1:2379,http://192.168.1.2:2379',
                         ini[('plane_service', 'endpoints')])
        self.assertEqual('http://192.168.2.1:2379',
                         ini[('plane_storage', 'endpoints')])
        self.assertEqual('5', ini[('ha', 'heartbeat_interval')])

    def test_post_config_accounts_and_database(self):
        run = self.run_phases('stack post-config')
        self.assertSucceeded(run)
        self.assertEqual([['hastack', 'admin']],
                         run.named('create_service_user'))
        self.assertEqual(
            [['hastack', 'high-availability',
              'HaStack: instance high availability']],
            run.named('get_or_create_service'))
        self.assertEqual(
            [['high-availability', 'RegionOne',
              'http://10.0.0.5/high-availability']],
            run.named('get_or_create_endpoint'))
        self.assertEqual([['hastack']], run.named('recreate_database'))
        self.assertEqual([['--config-file', self.conf, 'db', 'sync']],
                         run.named('hastack-manage'))
        # The database is recreated before its schema is made.
        self.assertLess(run.index('recreate_database'),
                        run.index('hastack-manage'))

    def test_post_config_uwsgi(self):
        run = self.run_phases('stack post-config')
        self.assertSucceeded(run)
        uwsgi_conf = self.env['HASTACK_CONF_DIR'] + '/hastack-api-uwsgi.ini'
        self.assertEqual(
            [[uwsgi_conf, 'hastack.wsgi.api:application',
              '/high-availability', '', 'hastack-api']],
            run.named('write_uwsgi_config'))
        self.assertEqual('HASTACK_CONFIG_FILES=%s' % self.conf,
                         run.ini(uwsgi_conf)[('uwsgi', 'env')])
        self.assertTrue(os.path.isdir(self.env['HASTACK_CONF_DIR']))

    def test_post_config_enables_the_dashboard(self):
        enabled = self.horizon / 'openstack_dashboard' / 'local' / 'enabled'
        run = self.run_phases('stack post-config')
        self.assertSucceeded(run)
        ours = sorted(p.name for p in
                      (ROOT / 'hastack_dashboard' / 'enabled').glob('_9*.py'))
        self.assertGreater(len(ours), 0)
        self.assertEqual(ours, sorted(p.name for p in enabled.iterdir()))
        for name in ours:
            self.assertEqual(ROOT / 'hastack_dashboard' / 'enabled' / name,
                             (enabled / name).resolve())

    def test_post_config_without_horizon_or_dashboard(self):
        enabled = self.horizon / 'openstack_dashboard' / 'local' / 'enabled'
        for env in ({'ENABLED_SERVICES': CONTROLLER_AND_COMPUTE.replace(
                        ',horizon', '')},
                    {'HASTACK_DASHBOARD': 'False'}):
            run = self.run_phases('stack post-config', **env)
            self.assertSucceeded(run)
            self.assertFalse(enabled.exists(), env)

    def test_post_config_compute_only_node(self):
        # A subnode: local.conf disables the API and the conductor.
        run = self.run_phases(
            'stack post-config',
            ENABLED_SERVICES='n-cpu,q-agt',
            DISABLED_SERVICES='hastack-api,hastack-conductor',
            SERVICE_HOST='10.0.0.5', HOST_IP='10.0.0.9')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        self.assertNotIn(('database', 'connection'), ini)
        self.assertEqual('10', ini[('fitlock', 'host_id')])
        self.assertEqual('http://10.0.0.5:2379',
                         ini[('plane_storage', 'endpoints')])
        for name in ('create_service_user', 'get_or_create_service',
                     'get_or_create_endpoint', 'recreate_database',
                     'hastack-manage', 'write_uwsgi_config'):
            self.assertEqual([], run.named(name), name)

    def test_post_config_controller_without_compute(self):
        run = self.run_phases(
            'stack post-config',
            ENABLED_SERVICES='key,mysql,rabbit,n-api,hastack-api,'
                             'hastack-conductor')
        self.assertSucceeded(run)
        ini = run.ini(self.conf)
        self.assertIn(('database', 'connection'), ini)
        self.assertFalse([k for k in ini if k[0] in ('fitlock', 'agent')])

    # -- stack extra ---------------------------------------------------

    def test_extra_starts_every_service(self):
        run = self.run_phases('stack extra')
        self.assertSucceeded(run)
        uwsgi_conf = self.env['HASTACK_CONF_DIR'] + '/hastack-api-uwsgi.ini'
        self.assertEqual(
            [['hastack-api', '%s/uwsgi --procname-prefix hastack-api '
              '--ini %s' % (self.bin, uwsgi_conf)],
             ['hastack-conductor', '%s/hastack-conductor --config-file %s'
              % (self.bin, self.conf)],
             ['hastack-fitlockd', '%s/fitlockd --config-file %s'
              % (self.bin, self.conf), '', 'root'],
             ['hastack-agent', '%s/hastack-agent --config-file %s'
              % (self.bin, self.conf), '', 'root']],
            run.named('run_process'))
        self.assertEqual([['60', 'http://10.0.0.5/high-availability']],
                         run.named('wait_for_service'))
        # No hook unless asked for.
        self.assertEqual([], run.named('restart_service'))
        self.assertFalse(os.path.exists(
            self.env['HASTACK_LIBVIRT_HOOK_PATH']))

    def test_extra_creates_the_lockspace_before_fitlockd(self):
        run = self.run_phases('stack extra')
        self.assertSucceeded(run)
        shared = pathlib.Path(self.env['DATA_DIR']) / 'hastack' / 'shared'
        self.assertTrue((shared / 'hastack.lockspace').exists())
        init = run.index('fitlock', '--config-file', self.conf, 'init',
                         'hastack')
        status = run.index('fitlock', '--config-file', self.conf, 'status')
        fitlockd = run.index('run_process', 'hastack-fitlockd')
        agent = run.index('run_process', 'hastack-agent')
        self.assertLess(init, fitlockd)
        self.assertLess(fitlockd, status)
        self.assertLess(status, agent)
        self.assertEqual([], run.named('sleep'))

    def test_extra_keeps_an_existing_lockspace(self):
        shared = pathlib.Path(self.env['DATA_DIR']) / 'hastack' / 'shared'
        shared.mkdir(parents=True)
        (shared / 'hastack.lockspace').write_text('records')
        run = self.run_phases('stack extra')
        self.assertSucceeded(run)
        self.assertEqual('records',
                         (shared / 'hastack.lockspace').read_text())
        self.assertFalse([c for c in run.named('fitlock') if 'init' in c])

    def test_extra_dies_when_fitlockd_does_not_join(self):
        run = self.run_phases('stack extra', FAKE_FITLOCK_STATE='joining',
                              HASTACK_FITLOCK_JOIN_TIMEOUT='0')
        self.assertEqual(1, run.returncode)
        self.assertIn('fitlockd did not join lockspace hastack',
                      run.named('die')[0][1])
        self.assertEqual([], [c for c in run.named('run_process')
                              if c[0] == 'hastack-agent'])

    def test_extra_waits_for_fitlockd_to_join(self):
        run = self.run_phases('stack extra', FAKE_FITLOCK_STATE='joining',
                              HASTACK_FITLOCK_JOIN_TIMEOUT='1')
        self.assertEqual(1, run.returncode)
        # Polled every 2 seconds until the deadline.
        self.assertIn(['2'], run.named('sleep'))
        self.assertEqual(1, len(run.named('die')))

    def test_extra_installs_the_libvirt_hook(self):
        hook = self.env['HASTACK_LIBVIRT_HOOK_PATH']
        run = self.run_phases('stack extra', HASTACK_LIBVIRT_HOOK='True')
        self.assertSucceeded(run)
        mode = os.stat(hook).st_mode
        self.assertTrue(mode & stat.S_IXUSR and mode & stat.S_IXOTH)
        self.assertEqual([['libvirtd']], run.named('restart_service'))
        # Installed once fitlockd holds the lockspace, before the agent.
        self.assertLess(run.index('fitlock', '--config-file', self.conf,
                                  'status'),
                        run.index('restart_service'))
        self.assertLess(run.index('restart_service'),
                        run.index('run_process', 'hastack-agent'))
        # libvirt runs the hook with a bare environment and its four
        # arguments: the wrapper names the config file and passes them on.
        self.log.unlink()
        subprocess.run([hook, 'instance-1', 'prepare', 'begin', '-'],
                       env={'PATH': '/usr/bin:/bin',
                            'STUB_LOG': str(self.log)},
                       check=True, input='<domain/>', text=True)
        self.assertEqual(
            ['hastack-libvirt-hook\tinstance-1\tprepare\tbegin\t-',
             'config=%s' % self.conf],
            self.log.read_text().splitlines())

    def test_extra_refuses_the_hook_without_fitlockd(self):
        run = self.run_phases(
            'stack extra', HASTACK_LIBVIRT_HOOK='True',
            DISABLED_SERVICES='hastack-fitlockd',
            ENABLED_SERVICES=CONTROLLER_AND_COMPUTE.replace(
                ',hastack-fitlockd', ''))
        self.assertEqual(1, run.returncode)
        self.assertIn('HASTACK_LIBVIRT_HOOK needs hastack-fitlockd',
                      run.named('die')[0][1])
        self.assertFalse(os.path.exists(
            self.env['HASTACK_LIBVIRT_HOOK_PATH']))

    def test_extra_on_a_compute_only_node(self):
        run = self.run_phases(
            'stack extra', ENABLED_SERVICES='n-cpu',
            DISABLED_SERVICES='hastack-api,hastack-conductor')
        self.assertSucceeded(run)
        self.assertEqual(['hastack-fitlockd', 'hastack-agent'],
                         [c[0] for c in run.named('run_process')])
        self.assertEqual([], run.named('wait_for_service'))

    def test_extra_without_nova_compute_starts_no_agent(self):
        run = self.run_phases(
            'stack extra', ENABLED_SERVICES='key,hastack-api,'
                                            'hastack-conductor')
        self.assertSucceeded(run)
        self.assertEqual(['hastack-api', 'hastack-conductor'],
                         [c[0] for c in run.named('run_process')])
        self.assertEqual([], run.named('fitlock'))

    # -- unstack and clean ---------------------------------------------

    def test_unstack_stops_every_service_and_removes_our_hook(self):
        setup = self.run_phases('stack extra', HASTACK_LIBVIRT_HOOK='True')
        self.assertSucceeded(setup)
        run = self.run_phases('unstack')
        self.assertSucceeded(run)
        self.assertEqual([['hastack-agent'], ['hastack-fitlockd'],
                          ['hastack-conductor'], ['hastack-api']],
                         run.named('stop_process'))
        self.assertFalse(os.path.exists(
            self.env['HASTACK_LIBVIRT_HOOK_PATH']))
        self.assertEqual([['libvirtd']], run.named('restart_service'))

    def test_unstack_leaves_a_foreign_hook_alone(self):
        hook = pathlib.Path(self.env['HASTACK_LIBVIRT_HOOK_PATH'])
        hook.parent.mkdir()
        hook.write_text('#!/bin/sh\nexit 0\n')
        run = self.run_phases('unstack')
        self.assertSucceeded(run)
        self.assertEqual('#!/bin/sh\nexit 0\n', hook.read_text())
        self.assertEqual([], run.named('restart_service'))

    def test_clean_removes_what_stack_made(self):
        setup = self.run_phases('stack post-config', 'stack extra')
        self.assertSucceeded(setup)
        enabled = self.horizon / 'openstack_dashboard' / 'local' / 'enabled'
        self.assertTrue(list(enabled.iterdir()))
        (enabled / '_1000_project.py').write_text('# Horizon\'s own\n')
        run = self.run_phases('unstack', 'clean')
        self.assertSucceeded(run)
        self.assertEqual(
            [[self.env['HASTACK_CONF_DIR'] + '/hastack-api-uwsgi.ini',
              'hastack-api']],
            run.named('remove_uwsgi_config'))
        self.assertEqual(['_1000_project.py'],
                         [p.name for p in enabled.iterdir()])
        self.assertFalse(os.path.exists(self.env['HASTACK_CONF_DIR']))
        self.assertFalse(os.path.exists(
            os.path.join(self.env['DATA_DIR'], 'hastack')))

    # -- the scripts themselves ------------------------------------------

    def test_scripts_parse(self):
        for script in SCRIPTS:
            result = subprocess.run(['bash', '-n', script], cwd=ROOT,
                                    capture_output=True, text=True)
            self.assertEqual(0, result.returncode,
                             '%s: %s' % (script, result.stderr))

    def test_shellcheck(self):
        shellcheck = shutil.which('shellcheck')
        if not shellcheck:
            # tools/install-test-packages.sh installs it.
            self.skipTest('shellcheck is not installed')
        scripts = list(SCRIPTS) + [str(STUBS.relative_to(ROOT))]
        result = subprocess.run([shellcheck, '-x', '-s', 'bash'] + scripts,
                                cwd=ROOT, capture_output=True, text=True)
        self.assertEqual(0, result.returncode, result.stdout)

    def test_zuul_jobs_use_the_plugin(self):
        config = yaml.safe_load((ROOT / '.zuul.yaml').read_text())
        jobs = {item['job']['name']: item['job'] for item in config
                if 'job' in item}
        self.assertEqual('devstack', jobs['hastack-devstack']['parent'])
        self.assertEqual('devstack-multinode',
                         jobs['hastack-devstack-multinode']['parent'])
        for job in jobs.values():
            self.assertEqual(
                {'hastack': 'https://opendev.org/openstack/hastack'},
                job['vars']['devstack_plugins'])
        subnode = (jobs['hastack-devstack-multinode']['group-vars']
                   ['subnode']['devstack_services'])
        self.assertFalse(subnode['hastack-api'])
        self.assertFalse(subnode['hastack-conductor'])
        self.assertTrue(subnode['hastack-agent'])
        self.assertTrue(subnode['hastack-fitlockd'])
        project = [item['project'] for item in config if 'project' in item]
        self.assertIn('hastack-devstack',
                      project[0]['check']['jobs'])


def _q(value):
    """``value`` quoted for bash."""
    return "'%s'" % str(value).replace("'", "'\\''")


def _user():
    return pwd.getpwuid(os.getuid()).pw_name
