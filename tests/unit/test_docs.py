"""The documentation: it builds, and its API reference matches the API.

The API reference (doc/ext/hastack_apiref.py) renders the routes of
hastack.api.openapi.ROUTES; these tests fail when a route of the pecan
controllers is missing from it, when a response field is missing or
extra, or when ``sphinx-build -W`` fails.
"""

import importlib.util
import inspect
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from oslo_utils import uuidutils
from oslotest import base as oslo_base

from hastack import policies
from hastack.api import openapi
from hastack.api.controllers import root
from hastack.common import exception
from hastack.db import api as db_api
from tests.unit.api import base

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / 'doc' / 'ext'))

import hastack_apiref  # noqa: E402
import hastack_timing  # noqa: E402

# Routes served by middleware in front of pecan, not by a controller.
_MIDDLEWARE_ROUTES = {('get', '/healthcheck')}


def _normalized(path):
    """A path with every ``{param}`` written ``{}``."""
    return '/'.join('{}' if s.startswith('{') else s
                    for s in path.split('/'))


def controller_routes():
    """``{(method, path)}`` the pecan controller tree really serves,
    parameters written ``{}``."""
    found = set()

    def walk(obj, path):
        for name, attr in vars(type(obj)).items():
            if name == '_lookup':
                sub, _ = obj._lookup('X')
                walk(sub, path + '/{}')
                continue
            if name.startswith('_'):
                continue
            meta = getattr(attr, '_pecan', None)
            if inspect.isfunction(attr):
                if meta and meta.get('generic'):
                    sub = path if name == 'index' else '%s/%s' % (path, name)
                    for method in meta['generic_handlers']:
                        if method != 'DEFAULT':
                            found.add((method.lower(), sub or '/'))
            elif hasattr(attr, 'index') and not isinstance(attr, type):
                walk(attr, '%s/%s' % (path, name))

    walk(root.RootController(), '')
    return found


class TestApiReferenceCoverage(oslo_base.BaseTestCase):
    """Every route is in the reference, with everything it needs."""

    def test_controller_tree_is_found(self):
        routes = controller_routes()
        self.assertIn(('get', '/v1/hosts'), routes)
        self.assertIn(('post', '/v1/tasks/{}/retry'), routes)

    def test_every_route_is_documented(self):
        documented = {(m, _normalized(p))
                      for m, p in hastack_apiref.documented_paths()}
        missing = controller_routes() - documented
        self.assertEqual(set(), missing,
                         'routes served but missing from the API reference '
                         '(add them to hastack.api.openapi.ROUTES)')

    def test_no_route_is_invented(self):
        documented = {(m, _normalized(p))
                      for m, p in hastack_apiref.documented_paths()}
        extra = documented - controller_routes() - _MIDDLEWARE_ROUTES
        self.assertEqual(set(), extra, 'documented routes nobody serves')

    def test_every_route_has_response_and_errors(self):
        routes = set(hastack_apiref.routes())
        self.assertEqual(routes, set(hastack_apiref.RESPONSES))
        self.assertEqual(routes, set(hastack_apiref.ERRORS))

    def test_error_classes_and_policies_exist(self):
        for errors in list(hastack_apiref.ERRORS.values()) + [
                hastack_apiref.COMMON_ERRORS]:
            for name, _ in errors:
                cls = hastack_apiref.error_class(name)
                self.assertTrue(issubclass(cls, exception.HastackException))
        names = {rule.name for rule in policies.list_rules()}
        for route in openapi.ROUTES:
            self.assertIn(route[3], names)

    def test_reference_has_a_section_per_route(self):
        text = '\n'.join(hastack_apiref.reference_rst())
        for method, path in hastack_apiref.routes():
            title = '%s %s' % (method.upper(), path)
            self.assertIn('\n%s\n%s\n' % (title, '-' * len(title)), text)

    def test_timing_table_checks_the_defaults(self):
        rows = {r[1]: r[2] for r in hastack_timing.rows()}
        self.assertEqual('140 s', rows['F + W'])
        self.assertEqual('60 s', rows['3 x interval'])


class TestResponseFields(base.ApiTestCase):
    """The documented fields are exactly those the API returns."""

    def assertFields(self, representation, document):
        documented = [f for f, _, _ in
                      hastack_apiref.REPRESENTATIONS[representation]]
        self.assertEqual(sorted(documented), sorted(document),
                         'fields of %r in the API reference' % representation)

    def get(self, path):
        return self.request('GET', path, status=200).json

    def test_fields(self):
        host = self.request('POST', '/v1/hosts',
                            body={'name': 'compute-1'}, status=201).json
        self.assertFields('host', host)
        self.assertFields('decision', self.get('/v1/hosts/compute-1/decision'))
        instance = db_api.instance_create(self.context, {
            'uuid': uuidutils.generate_uuid(), 'name': 'vm',
            'project_id': base.PROJECT_A, 'host': 'compute-1'})
        self.assertFields('instance',
                          self.get('/v1/instances/%s' % instance.uuid))
        self.assertFields('strategy', self.get('/v1/strategies/default'))
        self.assertFields('maintenance', self.get('/v1/maintenance'))
        self.assertFields('settings', self.get('/v1/settings'))
        task = db_api.task_create(self.context, {
            'type': 'evacuate', 'host': 'compute-1',
            'instance_uuid': instance.uuid, 'project_id': base.PROJECT_A,
            'failure_uuid': uuidutils.generate_uuid()})
        self.assertFields('task', self.get('/v1/tasks/%s' % task.uuid))
        events = self.get('/v1/events')['events']
        self.assertTrue(events)
        self.assertFields('event', events[0])
        self.assertFields('status', self.get('/v1/status'))

    def test_list_keys(self):
        for method, path in hastack_apiref.routes():
            response = hastack_apiref.RESPONSES[(method, path)]
            if method == 'get' and response and response[0] == 'list':
                doc = self.get('%s?limit=1' % path)
                self.assertIn(response[1], doc, path)


class TestDocsBuild(oslo_base.BaseTestCase):
    """``sphinx-build -W`` builds the whole documentation."""

    def test_build(self):
        if importlib.util.find_spec('sphinx') is None:
            self.skipTest('sphinx is not installed: pip install -r '
                          'doc/requirements.txt to build the docs')
        with tempfile.TemporaryDirectory() as out:
            started = time.monotonic()
            result = subprocess.run(
                [sys.executable, '-m', 'sphinx', '-W', '-q', '-b', 'html',
                 '-d', os.path.join(out, 'doctrees'), 'doc/source',
                 os.path.join(out, 'html')],
                cwd=ROOT, capture_output=True, text=True, timeout=600)
            took = time.monotonic() - started
            self.assertEqual(0, result.returncode,
                             'sphinx-build -W failed:\n%s' % result.stderr)
            api = pathlib.Path(out, 'html', 'reference', 'api.html')
            html = api.read_text()
            for method, path in hastack_apiref.routes():
                self.assertIn('%s %s' % (method.upper(), path), html)
            for page in ('index', 'architecture', 'install/index',
                         'admin/index', 'configuration/config',
                         'configuration/policy', 'cli/index'):
                self.assertTrue(
                    pathlib.Path(out, 'html', page + '.html').exists(), page)
        # Not a limit, a guard against a build that slowly grows.
        self.assertLess(took, 300)
