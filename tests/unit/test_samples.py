"""The sample config and policy under etc/hastack match the code."""

import os
import pathlib
import subprocess
import sys
import tempfile

from oslotest import base

ROOT = pathlib.Path(__file__).resolve().parents[2]
BIN = pathlib.Path(sys.executable).parent


class TestSamples(base.BaseTestCase):

    def _generate(self, tool, generator_conf):
        with tempfile.TemporaryDirectory() as folder:
            out = os.path.join(folder, 'sample')
            subprocess.run([str(BIN / tool), '--config-file',
                            str(ROOT / 'etc/hastack' / generator_conf),
                            '--output-file', out],
                           check=True, capture_output=True, cwd=ROOT)
            with open(out) as f:
                return f.read()

    def test_config_sample_is_current(self):
        fresh = self._generate('oslo-config-generator',
                               'hastack-config-generator.conf')
        current = (ROOT / 'etc/hastack/hastack.conf.sample').read_text()
        self.assertEqual(current, fresh,
                         'run: tox -e genconfig (or oslo-config-generator '
                         '--config-file etc/hastack/'
                         'hastack-config-generator.conf)')

    def test_policy_sample_is_current(self):
        fresh = self._generate('oslopolicy-sample-generator',
                               'hastack-policy-generator.conf')
        current = (ROOT / 'etc/hastack/policy.yaml.sample').read_text()
        self.assertEqual(current, fresh, 'run: tox -e genpolicy')
