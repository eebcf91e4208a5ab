"""HaStack never imports eventlet, and runs on the threading backend."""

import os
import pathlib
import subprocess
import sys

from oslotest import base

ROOT = pathlib.Path(__file__).resolve().parents[2]


class TestNoEventlet(base.BaseTestCase):

    def test_no_eventlet_import_in_source(self):
        offenders = [str(p.relative_to(ROOT))
                     for p in (ROOT / 'hastack').rglob('*.py')
                     if 'import eventlet' in p.read_text()]
        self.assertEqual([], offenders)

    def test_entry_points_select_threading_backend(self):
        for module in ('hastack.cmd.api', 'hastack.cmd.agent',
                       'hastack.wsgi.api'):
            code = ('import %s\n'
                    'from oslo_service import backend\n'
                    'backend.get_backend()\n'
                    'print(backend.get_backend_type().value)' % module)
            out = subprocess.run([sys.executable, '-c', code],
                                 capture_output=True, text=True, check=True,
                                 env=dict(os.environ, PYTHONWARNINGS=''))
            self.assertEqual('threading', out.stdout.strip(), module)
