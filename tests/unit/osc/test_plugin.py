"""The OpenStackClient plugin module and the entry points that load it."""

import argparse
import configparser
import importlib
import pathlib

from cliff import command as cliff_command
import fixtures
from keystoneauth1 import exceptions as ksa_exceptions
from osc_lib import exceptions
from oslotest import base

from hastack.osc import client
from hastack.osc import plugin
from tests.unit.osc import fakes

ROOT = pathlib.Path(__file__).resolve().parents[3]

# Every command the "Operator surfaces" issue asks for, as typed.
EXPECTED_COMMANDS = (
    'ha host list', 'ha host show', 'ha host set', 'ha host create',
    'ha host delete', 'ha host decision',
    'ha instance list', 'ha instance show', 'ha instance set',
    'ha strategy list', 'ha strategy show', 'ha strategy create',
    'ha strategy set', 'ha strategy delete', 'ha strategy activate',
    'ha maintenance show', 'ha maintenance set',
    'ha settings show', 'ha settings set',
    'ha task list', 'ha task show', 'ha task retry', 'ha task cancel',
    'ha event list', 'ha event show', 'ha event ack',
    'ha status',
)


class FakeClientManager:
    """The parts of osc-lib's ClientManager that make_client reads."""

    def __init__(self, endpoint=None, error=None, version='1.0'):
        self._api_version = {'hastack': version}
        self.session = fakes.FakeSession()
        self.region_name = 'RegionTwo'
        self.interface = 'internal'
        self.endpoint = endpoint
        self.error = error
        self.asked = []

    def get_endpoint_for_service_type(self, service_type, region_name=None,
                                      interface='public'):
        """Record the question; answer the endpoint or raise."""
        self.asked.append((service_type, region_name, interface))
        if self.error:
            raise self.error
        return self.endpoint


class TestPluginModule(base.BaseTestCase):
    """What OpenStackClient reads from hastack.osc.plugin."""

    def test_names(self):
        # python-masakariclient owns the API name "ha".
        self.assertEqual('hastack', plugin.API_NAME)
        self.assertEqual('os_hastack_api_version', plugin.API_VERSION_OPTION)
        self.assertEqual('high-availability', plugin.SERVICE_TYPE)
        self.assertIn(plugin.DEFAULT_API_VERSION, plugin.API_VERSIONS)

    def test_check_api_version(self):
        for good in ('1.0', '1.1', '1.12'):
            self.assertTrue(plugin.check_api_version(good))
        for bad in ('2.0', 'latest', '1', '1.01', 'abc', '1.0.1', ''):
            e = self.assertRaises(exceptions.CommandError,
                                  plugin.check_api_version, bad)
            self.assertIn('--os-hastack-api-version', str(e))

    def test_option_default_and_environment(self):
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_HASTACK_API_VERSION'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual(plugin.DEFAULT_API_VERSION,
                         parser.parse_args([]).os_hastack_api_version)
        self.assertEqual('1.3', parser.parse_args(
            ['--os-hastack-api-version', '1.3']).os_hastack_api_version)
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_HASTACK_API_VERSION', '1.2'))
        parser = plugin.build_option_parser(argparse.ArgumentParser())
        self.assertEqual('1.2', parser.parse_args([]).os_hastack_api_version)

    def test_make_client_uses_the_catalog_endpoint(self):
        manager = FakeClientManager('http://ha.example:15870/', version='1.4')
        made = plugin.make_client(manager)
        self.assertIsInstance(made, client.Client)
        self.assertIs(manager.session, made.session)
        self.assertEqual('http://ha.example:15870/v1', made.base_url)
        self.assertEqual('1.4', made.api_version)
        self.assertEqual([('high-availability', 'RegionTwo', 'internal')],
                         manager.asked)

    def test_make_client_without_endpoint(self):
        for manager in (FakeClientManager(None),
                        FakeClientManager(error=ksa_exceptions.
                                          EndpointNotFound('none'))):
            e = self.assertRaises(exceptions.CommandError,
                                  plugin.make_client, manager)
            self.assertIn('No high-availability endpoint in the service '
                          'catalog (region RegionTwo, interface internal)',
                          str(e))
            self.assertNotIn('\n', str(e))


class TestEntryPoints(base.BaseTestCase):
    """setup.cfg registers the plugin and every command."""

    def setUp(self):
        super().setUp()
        cfg = configparser.ConfigParser()
        cfg.read(ROOT / 'setup.cfg')
        self.entry_points = cfg['entry_points']

    def _group(self, name):
        lines = self.entry_points[name].strip().splitlines()
        return dict(line.replace(' ', '').split('=', 1) for line in lines)

    def test_plugin_is_registered_as_hastack(self):
        self.assertEqual({'hastack': 'hastack.osc.plugin'},
                         self._group('openstack.cli.extension'))

    def test_every_command_is_there_and_loads(self):
        commands = self._group('openstack.hastack.v1')
        typed = {name.replace('_', ' ') for name in commands}
        self.assertEqual(set(EXPECTED_COMMANDS), typed)
        for name, target in commands.items():
            module, _, attr = target.partition(':')
            cls = getattr(importlib.import_module(module), attr)
            self.assertTrue(issubclass(cls, cliff_command.Command), name)
            self.assertTrue(cls.__doc__, name)

    def test_command_group_follows_the_api_name(self):
        # OpenStackClient loads "openstack.<API_NAME>.v<major>".
        self.assertIn('openstack.%s.v%s' % (
            plugin.API_NAME, plugin.DEFAULT_API_VERSION.split('.')[0]),
            self.entry_points)
