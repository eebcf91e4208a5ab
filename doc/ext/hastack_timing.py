# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""``.. hastack-timing::``: the timing and safety numbers, from the code.

Every value is computed at build time from the options' defaults
(``hastack/conf``) and Fitlock's formulas (:mod:`hastack.fitlock.timing`),
so the architecture page cannot disagree with what a deployment with the
default configuration runs. Everything but :func:`setup` is plain Python.
"""

from hastack.conf import agent as agent_conf
from hastack.conf import conductor as conductor_conf
from hastack.conf import fitlock as fitlock_conf
from hastack.conf import ha as ha_conf
from hastack.fitlock import timing


def default(opts, name):
    """The default of option ``name`` in the list ``opts``."""
    for opt in opts:
        if opt.name == name:
            return opt.default
    raise KeyError(name)


def _num(value):
    value = float(value)
    return '%d' % value if value.is_integer() else '%g' % value


def rows():
    """``[(name, formula, default value, meaning)]`` of the table."""
    fl = fitlock_conf.opts
    t = timing.Timing(io_timeout=default(fl, 'io_timeout'),
                      watchdog=default(fl, 'watchdog_timeout'),
                      arbiter_wait=default(fl, 'arbiter_wait'),
                      kill_time=default(fl, 'kill_timeout'),
                      slop=default(fl, 'slop')).check()
    interval = default(ha_conf.opts, 'heartbeat_interval')
    grant = default(conductor_conf.opts, 'no_fence_grant')
    rpc = default(conductor_conf.opts, 'fence_rpc_timeout')
    s = ' s'
    return [
        ('heartbeat interval', '``[ha] heartbeat_interval``',
         _num(interval) + s,
         'an agent refreshes its heartbeat key on each plane, and (by '
         'default) the conductor reads the plane clusters, this often'),
        ('etcd lease TTL', '3 x interval', _num(3 * interval) + s,
         'a heartbeat key disappears this long after the last refresh '
         '(two lost refreshes are tolerated)'),
        ('grace', '``[ha] grace_period``',
         _num(default(ha_conf.opts, 'grace_period')) + s,
         'a host stays ``suspect`` this long in a recover vector before '
         'it is declared ``failed``'),
        ('``N``', '``[fitlock] io_timeout``', _num(t.io_timeout) + s,
         'the longest one storage I/O may take'),
        ('``W``', '``[fitlock] watchdog_timeout``', _num(t.watchdog) + s,
         'the watchdog resets the host this long after its last '
         'keep-alive'),
        ('``A``', '``[fitlock] arbiter_wait``', _num(t.arbiter_wait) + s,
         'the longest wait for the agent\'s "fence or not?" answer'),
        ('``T_kill``', '``[fitlock] kill_timeout``', _num(t.kill_time) + s,
         'the longest time stopping every lease holder may take'),
        ('``slop``', '``[fitlock] slop``', _num(t.slop) + s,
         'time for a stopped holder\'s writes in flight to land'),
        ('``R``', '2N', _num(t.renewal_interval) + s,
         'a host renews its delta lease (and so every instance lease it '
         'holds) this often'),
        ('``F``', '8N', _num(t.renewal_fail) + s,
         'renewals failing this long: fitlockd asks the arbiter, then '
         'fences'),
        ('``H``', 'F + W', _num(t.host_dead) + s,
         'a delta lease unchanged this long (by the observer\'s clock): '
         'the host\'s instance leases may be taken'),
        ('safety', 'A + T_kill + slop <= W',
         '%s <= %s' % (_num(t.arbiter_wait + t.kill_time + t.slop),
                       _num(t.watchdog)),
         'fitlockd refuses to start otherwise'),
        ('safety', 'slop <= N', '%s <= %s' % (_num(t.slop),
                                             _num(t.io_timeout)),
         'fitlockd refuses to start otherwise'),
        ('no-fence grant', '``[conductor] no_fence_grant``',
         _num(grant) + s,
         'length of a "no-fence" answer; fitlockd asks again before it '
         'ends'),
        ('grant as recorded', 'grant + ``[conductor] fence_rpc_timeout``',
         _num(grant + rpc) + s,
         'how long the conductor refuses to recover the host after '
         'granting (its view never ends before the host\'s)'),
        ('maintenance grant', '``[agent] maintenance_grant``',
         _num(default(agent_conf.opts, 'maintenance_grant')) + s,
         'the agent\'s own "no-fence" answer while ``ha_maintenance`` is '
         'on'),
        ('fence timeout', '``[conductor] fence_timeout``',
         _num(default(conductor_conf.opts, 'fence_timeout')) + s,
         'one fencing attempt waits this long for a proof; keep it above '
         'H'),
    ]


def table_rst():
    """The table as reStructuredText lines."""
    lines = ['.. list-table::', '   :header-rows: 1',
             '   :widths: 16 24 12 48', '',
             '   * - name', '     - formula or option',
             '     - default', '     - meaning']
    for name, formula, value, meaning in rows():
        lines += ['   * - %s' % name, '     - %s' % formula,
                  '     - %s' % value, '     - %s' % meaning]
    return lines + ['']


def setup(app):
    """Register ``.. hastack-timing::``."""
    from docutils import nodes
    from docutils import statemachine
    from docutils.parsers import rst

    class TimingDirective(rst.Directive):
        """Renders :func:`table_rst`."""

        has_content = False

        def run(self):
            result = statemachine.StringList()
            for number, line in enumerate(table_rst()):
                result.append(line, '<hastack-timing>', number)
            node = nodes.container()
            self.state.nested_parse(result, self.content_offset, node)
            return node.children

    app.add_directive('hastack-timing', TimingDirective)
    return {'parallel_read_safe': True, 'parallel_write_safe': True}
