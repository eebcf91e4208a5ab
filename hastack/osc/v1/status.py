"""``openstack ha status``: one summary of HA's state."""

from osc_lib.cli import format_columns
from osc_lib.command import command

from hastack.osc.v1 import common


def flatten(status):
    """The status document as one level of fields.

    :param status: the API's status document.
    :returns: a dict: host and task counts, switches, the active strategy,
        the components and the unacknowledged alarms.
    """
    hosts = status.get('hosts') or {}
    tasks = status.get('tasks') or {}
    defense = status.get('self_defense') or {}
    strategy = status.get('active_strategy') or {}
    return {
        'hosts_total': hosts.get('total'),
        'hosts_by_state': format_columns.DictColumn(
            hosts.get('by_state') or {}),
        'ha_maintenance': status.get('ha_maintenance'),
        'self_defense': defense.get('active'),
        'self_defense_since': defense.get('since'),
        'active_strategy': strategy.get('name'),
        'active_strategy_uuid': strategy.get('uuid'),
        'task_queue_length': tasks.get('queue_length'),
        'tasks_by_state': format_columns.DictColumn(
            tasks.get('by_state') or {}),
        'components': ComponentsColumn(status.get('components') or []),
        'unacknowledged_alarms': status.get('unacknowledged_alarms'),
    }


class ComponentsColumn(common.ListOfAnyColumn):
    """The components' health: ``name: status (detail)`` lines."""

    def human_readable(self):
        """One line per component."""
        lines = []
        for c in self._value or ():
            line = '%s: %s' % (c.get('name'), c.get('status'))
            if c.get('detail'):
                line += ' (%s)' % c['detail']
            lines.append(line)
        return '\n'.join(lines)


class ShowStatus(command.ShowOne):
    """Show HA's state: hosts by state, maintenance, self-defense, the
    active strategy, the task queue, components and open alarms."""

    def take_action(self, parsed_args):
        """Ask the API for the summary."""
        return common.show(flatten(
            self.app.client_manager.hastack.status_get()))
