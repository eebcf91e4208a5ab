"""A seeded nemesis run: fault schedules one after another on one
cluster with Fitlock and colliding instances, every check after each.

``HASTACK_NEMESIS_SEEDS`` picks the schedules (``0-49`` by default, or
e.g. ``17`` or ``3,8-12`` to replay some).
"""

import os

from testtools import content

from tests.cluster import nemesis
from tests.cluster import test_split_brain


def seeds(text):
    """``"0-3,7"`` -> ``[0, 1, 2, 3, 7]``."""
    result = []
    for part in text.split(','):
        low, _, high = part.partition('-')
        result += range(int(low), int(high or low) + 1)
    return result


class TestNemesis(test_split_brain.SplitBrainTestCase):

    HOSTS = ('c1', 'c2', 'c3', 'c4')
    CONDUCTORS = 2

    def test_fault_schedules(self):
        c = self.cluster
        vms = {}
        for host in self.HOSTS:
            vms[c.boot('%s-ha' % host, host)] = (host, True)
        vms[c.boot('c1-plain', 'c1', ha=False)] = ('c1', False)
        lines = []
        self.addDetail('nemesis', content.Content(
            content.UTF8_TEXT, lambda: ['\n'.join(lines).encode()]))
        run = nemesis.Nemesis(c, vms, log=lines.append)
        problems = {}
        for seed in seeds(os.environ.get('HASTACK_NEMESIS_SEEDS', '0-49')):
            found = run.run(seed)
            lines.append('  -> %s' % ('; '.join(found) if found else 'ok'))
            if found:
                problems[seed] = found
        self.assertEqual({}, problems)
