"""``openstack ha task ...``: HA actions, their attempts and fencing proof.

Project readers see the tasks of their project's instances; admins see
every task and may retry a failed one or cancel one that has not started.
"""

import logging

from osc_lib.command import command

from hastack.osc.v1 import common

LOG = logging.getLogger(__name__)

SORT_KEYS = ('created_at', 'priority', 'state', 'id')
STATES = ('pending', 'running', 'succeeded', 'failed', 'cancelled',
          'deferred')
TYPES = ('evacuate', 'fence', 'force_down', 'unforce_down')

FIELDS = (('uuid', 'UUID'), ('type', 'Type'), ('state', 'State'),
          ('host', 'Host'), ('instance_uuid', 'Instance'),
          ('attempts', 'Attempts'))
LONG_FIELDS = (('project_id', 'Project'), ('failure_uuid', 'Failure'),
               ('priority', 'Priority'), ('max_attempts', 'Max Attempts'),
               ('last_error', 'Last Error'), ('owner', 'Owner'),
               ('created_at', 'Created At'), ('finished_at', 'Finished At'))


class ListTask(command.Lister):
    """List HA tasks."""

    def get_parser(self, prog_name):
        """The command's options: filters, paging, sorting."""
        parser = super().get_parser(prog_name)
        parser.add_argument('--host', metavar='<host>',
                            help='Only tasks about this compute host.')
        parser.add_argument('--instance', metavar='<uuid>',
                            help='Only tasks about this instance.')
        parser.add_argument('--state', metavar='<state>', choices=STATES,
                            help='Only tasks in this state (%s).'
                                 % ', '.join(STATES))
        parser.add_argument('--type', metavar='<type>', choices=TYPES,
                            help='Only tasks of this type (%s).'
                                 % ', '.join(TYPES))
        parser.add_argument('--failure', metavar='<uuid>',
                            help='Only the tasks of this host failure.')
        parser.add_argument('--project', metavar='<project-id>',
                            help='Only this project\'s tasks (admins).')
        common.add_list_arguments(parser, SORT_KEYS)
        return parser

    def take_action(self, parsed_args):
        """List tasks; every page when no --limit is given."""
        names = {'host': 'host', 'instance': 'instance_uuid',
                 'state': 'state', 'type': 'type',
                 'failure': 'failure_uuid', 'project': 'project_id'}
        tasks = self.app.client_manager.hastack.task_list(
            common.filters(parsed_args, names),
            **common.paging(parsed_args, SORT_KEYS))
        return common.table(tasks, FIELDS, LONG_FIELDS, parsed_args.long)


class _OneTask(command.ShowOne):
    """A command about one task, named by uuid."""

    def get_parser(self, prog_name):
        """The command's argument: the task."""
        parser = super().get_parser(prog_name)
        parser.add_argument('task', metavar='<task>', help='Task uuid.')
        return parser


class ShowTask(_OneTask):
    """Show one HA task: state, attempts, last error, fencing proof."""

    def take_action(self, parsed_args):
        """Show the task."""
        return common.show(self.app.client_manager.hastack.task_get(
            parsed_args.task))


class RetryTask(_OneTask):
    """Queue a failed HA task again."""

    def take_action(self, parsed_args):
        """Retry the task."""
        return common.show(self.app.client_manager.hastack.task_retry(
            parsed_args.task))


class CancelTask(_OneTask):
    """Cancel an HA task that has not started (pending or deferred)."""

    def take_action(self, parsed_args):
        """Cancel the task."""
        return common.show(self.app.client_manager.hastack.task_cancel(
            parsed_args.task))
