"""hastack-status: is this deployment ready to run (or upgrade to) HaStack?

::

    hastack-status [--config-file FILE] upgrade check [--json]

The checks read the database with plain SQLAlchemy on table definitions
written here, not through the models or ``hastack.db.api``: like a
migration, they must work on the schema of the release being upgraded
from.
"""

import json
import sys

from alembic import util as alembic_util
from oslo_db import exception as db_exception
from oslo_upgradecheck import common_checks
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa
import sqlalchemy.exc

from hastack import conf
from hastack.common import exception
from hastack.common import states
from hastack.conductor import strategy
from hastack.db import migration

CONF = conf.CONF

_SYNC_HINT = 'Run "hastack-manage db sync" to migrate it.'

_DATABASE_ERRORS = (db_exception.DBError, sqlalchemy.exc.SQLAlchemyError,
                    alembic_util.CommandError)

_HA_STATUS = sa.table('ha_status',
                      sa.column('id', sa.Integer),
                      sa.column('active_strategy_uuid', sa.String))
_STRATEGIES = sa.table('strategies',
                       sa.column('uuid', sa.String),
                       sa.column('name', sa.String),
                       sa.column('rules', sa.Text))


def _one_line(exc):
    """The first line of an error's message, without SQL or hints."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _get_engine():
    # NOTE(hastack): imported late so that the [database] options are read
    # only once the command line and config files have been parsed.
    from hastack.db import api as db_api
    return db_api.get_engine()


def _failure(details):
    return upgradecheck.Result(upgradecheck.Code.FAILURE, details)


def _rules_problem(rules_text):
    """Why a strategy's rules are unusable, or None if they are complete.

    :param rules_text: the JSON text of the ``rules`` column.
    :returns: a sentence describing the problem, or None.
    """
    try:
        rules = json.loads(rules_text)
    except (TypeError, ValueError) as exc:
        return 'its rules are not valid JSON (%s)' % exc
    keys = set(states.PLANES) | {'recover'}
    if (not isinstance(rules, list)
            or not all(isinstance(r, dict) and keys <= set(r)
                       for r in rules)):
        return ('its rules are not a list of {%s} objects'
                % ', '.join(sorted(keys)))
    try:
        strategy.validate_rules(rules)
    except exception.InvalidStrategy as exc:
        # NOTE(hastack): every vector exactly once also means exactly
        # len(ALL_VECTORS) rules, so no separate count is needed.
        return str(exc)
    return None


class Checks(upgradecheck.UpgradeCommands):
    """The checks of ``hastack-status upgrade check``."""

    def _check_schema(self):
        """The database schema is at the newest revision of this release."""
        try:
            current = migration.version(_get_engine())
        except _DATABASE_ERRORS as exc:
            return _failure('Cannot read the database schema revision: %s'
                            % _one_line(exc))
        head = migration.head()
        if current == head:
            return upgradecheck.Result(upgradecheck.Code.SUCCESS)
        if current is None:
            return _failure('The database has no HaStack schema. '
                            + _SYNC_HINT)
        return _failure('The database schema is at revision %s but this '
                        'release needs revision %s. %s'
                        % (current, head, _SYNC_HINT))

    def _check_active_strategy(self):
        """An active strategy exists and has a rule for every vector."""
        try:
            with _get_engine().connect() as connection:
                active_uuid = connection.execute(
                    sa.select(_HA_STATUS.c.active_strategy_uuid)
                    .where(_HA_STATUS.c.id == 1)).scalar_one_or_none()
                row = None
                if active_uuid is not None:
                    row = connection.execute(
                        sa.select(_STRATEGIES.c.name, _STRATEGIES.c.rules)
                        .where(_STRATEGIES.c.uuid == active_uuid)).first()
        except _DATABASE_ERRORS as exc:
            return _failure('Cannot read the active strategy: %s. If the '
                            'schema is missing or old, run "hastack-manage '
                            'db sync".' % _one_line(exc))
        if active_uuid is None:
            return _failure('The ha_status row (id 1) is missing, so no '
                            'strategy is active. "hastack-manage db sync" '
                            'creates it in a new database; restore it from '
                            'a backup in an existing one.')
        if row is None:
            return _failure('The active strategy %s does not exist. '
                            'Activate an existing strategy.' % active_uuid)
        problem = _rules_problem(row.rules)
        if problem:
            return _failure('The active strategy %s (%s) is unusable: %s. '
                            'Fix its rules or activate another strategy.'
                            % (row.name, active_uuid, problem))
        return upgradecheck.Result(upgradecheck.Code.SUCCESS)

    _upgrade_checks = (
        ('Database schema', _check_schema),
        ('Active HA strategy', _check_active_strategy),
        ('Policy File JSON to YAML Migration',
         (common_checks.check_policy_json, {'conf': CONF})),
    )


def main(argv=None):
    """Run hastack-status.

    :param argv: the command line without the program name; by default
        ``sys.argv[1:]``.
    :returns: the exit status: 0 when every check passed, 1 for warnings,
        2 for failures, 255 when a check crashed (oslo.upgradecheck's codes).
    """
    if argv is None:
        argv = sys.argv[1:]
    return upgradecheck.main(CONF, project='hastack',
                             upgrade_command=Checks(), argv=argv)


if __name__ == '__main__':
    sys.exit(main())
