"""The HaStack panels in a real Horizon, clicked through by headless
Chromium, against a real Keystone and hastack-api.

Horizon runs as Django's server (``horizon_settings.py``) in HaStack's
venv, logs users in against the Keystone of
``tests.functional.keystone.base.HastackDeployment`` and calls hastack-api
with their tokens. The tests act in the browser and check the result in
the API; each saves a screenshot under ``$HASTACK_TEST_SCREENSHOTS``
(default ``.ci-work/screenshots/dashboard``).

Needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium``
package; without them the tests skip.
"""

import http.client
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time

import fixtures
import sqlalchemy as sa
import testtools
from testtools import content

from tests.functional import fixtures as func_fixtures
from tests.functional.keystone import base as ks_base
from tests.functional.keystone import fixture as ks_fixture

try:
    from selenium import webdriver
    from selenium.webdriver.chrome import service as chrome_service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support import ui
except ImportError:
    webdriver = None

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
CHROMIUM = shutil.which('chromium')
CHROMEDRIVER = shutil.which('chromedriver')
SCREENSHOTS = os.environ.get('HASTACK_TEST_SCREENSHOTS') or os.path.join(
    TOP, '.ci-work', 'screenshots', 'dashboard')
# Seconds: Horizon compiles its SCSS on the first page it serves.
PAGE_TIMEOUT = 120


def _die_with_parent():
    import ctypes

    ctypes.CDLL('libc.so.6').prctl(1, signal.SIGTERM)


class HorizonServer(fixtures.Fixture):
    """Horizon with the HaStack panels, served by Django on loopback.

    :param keystone_url: Keystone's v3 URL.
    :ivar url: ``http://127.0.0.1:<port>``.
    """

    def __init__(self, keystone_url):
        super().__init__()
        self.keystone_url = keystone_url

    def _setUp(self):
        self.state = self.useFixture(fixtures.TempDir()).path
        self.port = func_fixtures.free_port()
        self.url = 'http://127.0.0.1:%d' % self.port
        self.log_path = os.path.join(self.state, 'runserver.log')
        env = dict(os.environ,
                   DJANGO_SETTINGS_MODULE=('tests.functional.dashboard.'
                                           'horizon_settings'),
                   PYTHONPATH=TOP, HASTACK_E2E_STATE=self.state,
                   HASTACK_E2E_SECRET=secrets.token_hex(32),
                   HASTACK_E2E_KEYSTONE_URL=self.keystone_url,
                   PYTHONWARNINGS='ignore')
        with open(self.log_path, 'wb') as out:
            self.process = subprocess.Popen(
                [sys.executable, '-m', 'django', 'runserver',
                 '127.0.0.1:%d' % self.port, '--noreload', '--insecure'],
                stdin=subprocess.DEVNULL, stdout=out,
                stderr=subprocess.STDOUT, env=env, cwd=TOP,
                preexec_fn=_die_with_parent)
        self.addCleanup(self._stop)
        deadline = time.monotonic() + PAGE_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise AssertionError('Horizon exited with %s:\n%s'
                                     % (self.process.returncode,
                                        self.log()[-6000:]))
            try:
                if self._status('/auth/login/') == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError('Horizon did not serve:\n%s'
                                     % self.log()[-6000:])
            time.sleep(0.5)

    def _status(self, path):
        conn = http.client.HTTPConnection('127.0.0.1', self.port,
                                          timeout=PAGE_TIMEOUT)
        try:
            conn.request('GET', path)
            resp = conn.getresponse()
            resp.read()
            return resp.status
        finally:
            conn.close()

    def _stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def log(self):
        """What Django's server and Horizon logged so far."""
        text = ''
        for name in ('runserver.log', 'horizon.log'):
            path = os.path.join(self.state, name)
            if os.path.exists(path):
                with open(path, encoding='utf-8', errors='replace') as f:
                    text += '== %s\n%s' % (name, f.read())
        return text


class Browser(fixtures.Fixture):
    """Headless Chromium driven by chromedriver.

    :ivar driver: the selenium WebDriver.
    """

    def _setUp(self):
        profile = self.useFixture(fixtures.TempDir()).path
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for arg in ('--headless=new', '--no-sandbox', '--disable-gpu',
                    '--disable-background-networking',
                    '--disable-dev-shm-usage', '--window-size=1400,1000',
                    '--user-data-dir=%s' % profile):
            options.add_argument(arg)
        service = chrome_service.Service(executable_path=CHROMEDRIVER)
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(PAGE_TIMEOUT)
        self.addCleanup(self.driver.quit)


class TestDashboardInBrowser(ks_base.DeploymentTestCase):
    """Admin and member pages of the HaStack panels, end to end."""

    @classmethod
    def setUpClass(cls):
        if webdriver is None or not CHROMIUM or not CHROMEDRIVER:
            reason = 'needs selenium, chromium and chromium-driver'
            # CI installs them: there, their absence is a failure.
            if os.environ.get('HASTACK_TEST_REQUIRE_BROWSER') == '1':
                raise AssertionError(reason)
            raise testtools.TestCase.skipException(reason)
        super().setUpClass()
        try:
            cls.horizon = HorizonServer(cls.deployment.keystone.auth_url)
            cls.horizon.setUp()
            cls.browser = Browser()
            cls.browser.setUp()
        except Exception:
            cls.tearDownClass()
            raise
        cls._seed()

    @classmethod
    def tearDownClass(cls):
        for name in ('browser', 'horizon'):
            part = getattr(cls, name, None)
            if part is not None:
                part.cleanUp()
                setattr(cls, name, None)
        super().tearDownClass()

    @classmethod
    def _seed(cls):
        deployment = cls.deployment
        for name in ('compute-1', 'compute-2'):
            cls.api('admin', 'POST', '/v1/hosts', {'name': name})
        with deployment.engine.begin() as conn:
            conn.execute(sa.text(
                "UPDATE hosts SET mgmt_status='up', service_status='up', "
                "storage_status='up', state='active' "
                "WHERE name='compute-1'"))
            conn.execute(sa.text(
                "UPDATE hosts SET mgmt_status='down', service_status='down',"
                " storage_status='up', state='suspect' "
                "WHERE name='compute-2'"))
        project_a = deployment.keystone.project_id('member-a')
        cls.instance = deployment.add_instance(project_a, ha=True)
        cls.failed_task = deployment.add_task(None, 'failed')
        cls.alarm = deployment.add_event(None, 'compute-2 fencing failed',
                                         severity='critical')

    @classmethod
    def api(cls, persona, method, path, body=None):
        """Call hastack-api as ``persona``; returns the decoded answer."""
        keystone = cls.deployment.keystone
        resp = keystone.session(persona).request(
            cls.deployment.api.url + path, method, json=body,
            headers={'OpenStack-API-Version': 'high-availability 1.0'},
            raise_exc=False)
        if resp.status_code >= 400:
            raise AssertionError('%s %s as %s: %s %s' % (
                method, path, persona, resp.status_code, resp.text))
        return resp.json() if resp.content else None

    # -- browser helpers ------------------------------------------------

    @property
    def driver(self):
        return self.browser.driver

    def setUp(self):
        super().setUp()
        self.addOnException(self._attach_logs)

    def _attach_logs(self, exc_info):
        self.addDetail('horizon-log', content.text_content(
            self.horizon.log()[-20000:]))
        self.addDetail('page', content.text_content(
            self.driver.page_source[-20000:]))

    def wait_for(self, by, value):
        """The element, once it is on the page."""
        return ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            ec.presence_of_element_located((by, value)))

    def open(self, path):
        """Load a page of Horizon and wait for it."""
        self.driver.get(self.horizon.url + path)
        self.wait_for(By.TAG_NAME, 'body')

    def login(self, persona, then):
        """Log in as ``persona`` on Horizon's form, landing on ``then``."""
        self.driver.delete_all_cookies()
        self.open('/auth/login/?next=%s' % then)
        self.wait_for(By.ID, 'id_username').send_keys(persona)
        self.driver.find_element(By.ID, 'id_password').send_keys(
            ks_fixture.PASSWORD)
        self.driver.find_element(By.ID, 'loginBtn').click()
        ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            lambda d: then in d.current_url)

    def screenshot(self, name):
        """Save the page as ``<name>.png``; returns its path."""
        os.makedirs(SCREENSHOTS, exist_ok=True)
        path = os.path.join(SCREENSHOTS, '%s.png' % name)
        self.driver.save_screenshot(path)
        with open(path, 'rb') as f:
            self.assertEqual(b'\x89PNG', f.read(4))
        return path

    def tick(self, field_id):
        """Toggle a checkbox of a form: Horizon's themes draw it as the
        label that follows the (hidden) input."""
        self.wait_for(By.ID, field_id)
        self.driver.find_element(
            By.CSS_SELECTOR, 'label[for="%s"]' % field_id).click()

    def click_action(self, row):
        """Click a row's first action, and confirm it if Horizon asks."""
        row.find_element(By.CSS_SELECTOR, 'button[name=action]').click()
        confirm = self.driver.find_elements(
            By.CSS_SELECTOR, '.modal.in .modal-footer .btn-primary, '
                             '.modal.in .modal-footer .btn-danger')
        if confirm:
            confirm[0].click()

    def row(self, table, object_id):
        """A table row by its object id."""
        return self.wait_for(
            By.CSS_SELECTOR, 'table#%s tr[data-object-id="%s"]'
            % (table, object_id))

    # -- the tests ------------------------------------------------------

    def test_hosts_and_decision(self):
        self.login('admin', '/admin/ha_hosts/')
        row = self.row('hosts', 'compute-2')
        self.assertIn('suspect', row.text)
        self.assertIn('down', row.text)
        self.assertIn('compute-1', self.driver.find_element(
            By.ID, 'hosts').text)
        self.screenshot('hosts')
        row.find_element(By.LINK_TEXT, 'compute-2').click()
        action = self.wait_for(By.CLASS_NAME, 'decision-action')
        decision = self.api('admin', 'GET', '/v1/hosts/compute-2/decision')
        self.assertEqual(decision['action'], action.text)
        gates = self.driver.find_element(By.CLASS_NAME, 'hastack-gates')
        for gate in decision['gates']:
            self.assertIn(gate['name'], gates.text)
        self.screenshot('host-decision')

    def test_strategy_grid_creates_and_activates(self):
        self.login('admin', '/admin/ha_strategies/create/')
        grid = self.wait_for(By.ID, 'strategy_grid')
        self.assertEqual(8, len(grid.find_elements(
            By.CSS_SELECTOR, 'tbody tr')))
        self.driver.find_element(By.ID, 'id_name').send_keys('e2e-cautious')
        # Start from the default table; recover also when only the
        # service plane is down, and never when storage alone is down.
        for vector in ('up_down_up', 'up_up_down'):
            self.tick('id_recover_%s' % vector)
        self.tick('id_activate')
        self.screenshot('strategy-grid')
        self.driver.find_element(
            By.CSS_SELECTOR, 'form input[type=submit]').click()
        self.row('strategies', self._strategy_uuid('e2e-cautious'))
        strategy = self.api('admin', 'GET', '/v1/strategies/e2e-cautious')
        self.assertTrue(strategy['active'])
        recover = {(r['mgmt'], r['service'], r['storage']): r['recover']
                   for r in strategy['rules']}
        self.assertEqual(8, len(recover))
        self.assertTrue(recover[('up', 'down', 'up')])
        self.assertFalse(recover[('up', 'up', 'down')])
        self.assertTrue(recover[('down', 'down', 'down')])
        self.assertFalse(recover[('up', 'up', 'up')])
        self.screenshot('strategies')
        self.api('admin', 'POST', '/v1/strategies/default/activate')

    def _strategy_uuid(self, name):
        return self.api('admin', 'GET', '/v1/strategies/%s' % name)['uuid']

    def test_maintenance_switch(self):
        self.login('admin', '/admin/ha_maintenance/')
        self.tick('id_ha_maintenance')
        self.driver.find_element(By.ID, 'id_reason').send_keys('e2e work')
        self.driver.find_element(
            By.CSS_SELECTOR, '#hastack_maintenance_form input[type=submit]'
        ).click()
        # The form's page shows the state too (OFF): wait for the page
        # the submission brings, not the first element found.
        ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            ec.text_to_be_present_in_element(
                (By.CLASS_NAME, 'maintenance-state'), 'HA maintenance is ON'))
        state = self.driver.find_element(By.CLASS_NAME, 'maintenance-state')
        self.assertIn('HA maintenance is ON', state.text)
        switch = self.api('admin', 'GET', '/v1/maintenance')
        self.assertTrue(switch['ha_maintenance'])
        self.assertEqual('e2e work', switch['reason'])
        self.assertEqual(self.deployment.keystone.user_ids['admin'],
                         switch['updated_by'])
        self.screenshot('maintenance')
        self.api('admin', 'PUT', '/v1/maintenance',
                 {'ha_maintenance': False})

    def test_retry_a_failed_task_and_ack_an_alarm(self):
        self.login('admin', '/admin/ha_tasks/')
        row = self.row('tasks', self.failed_task)
        self.click_action(row)
        ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            lambda d: self.api('admin', 'GET', '/v1/tasks/%s'
                               % self.failed_task)['state'] != 'failed')
        self.screenshot('tasks')
        self.open('/admin/ha_events/')
        row = self.row('events', self.alarm)
        self.click_action(row)
        ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            lambda d: self.api('admin', 'GET', '/v1/events/%s'
                               % self.alarm)['acknowledged'])
        self.screenshot('events')

    def test_member_turns_ha_off_for_an_instance(self):
        self.login('member-a', '/project/ha_instances/')
        row = self.row('instances', self.instance)
        self.assertIn('Yes', row.text)
        self.screenshot('project-instances')
        self.click_action(row)
        ui.WebDriverWait(self.driver, PAGE_TIMEOUT).until(
            lambda d: not self.api('member-a', 'GET', '/v1/instances/%s'
                                   % self.instance)['ha_enabled'])
        row = self.row('instances', self.instance)
        self.assertIn('No', row.text)
