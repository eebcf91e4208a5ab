"""``fitlock``: create, inspect and debug Fitlock lockspaces.

    fitlock init LOCKSPACE [--max-hosts N]     create the lockspace file
    fitlock dump LOCKSPACE                     on-disk records, readable
    fitlock status                             what fitlockd holds
    fitlock hosts LOCKSPACE                    host liveness as seen here
    fitlock join|leave LOCKSPACE [--host-id N]
    fitlock acquire|release|inquire LOCKSPACE RESOURCE [--pid PID]

``init`` and ``dump`` read the shared folder directly; the others ask the
local fitlockd. Errors print one line and exit non-zero.
"""

import json
import sys

from oslo_config import cfg

from hastack import conf
from hastack import version
from hastack.fitlock import client as client_mod
from hastack.fitlock import dump
from hastack.fitlock import errors
from hastack.fitlock import storage

CONF = conf.CONF


def _add_parsers(subparsers):
    init = subparsers.add_parser('init', help='create a lockspace file')
    init.add_argument('lockspace')
    init.add_argument('--max-hosts', type=int, default=None)
    for name in ('dump', 'hosts', 'join', 'leave'):
        parser = subparsers.add_parser(name)
        parser.add_argument('lockspace')
        if name == 'join':
            parser.add_argument('--host-id', type=int, default=None)
    subparsers.add_parser('status')
    for name in ('acquire', 'release', 'inquire'):
        parser = subparsers.add_parser(name)
        parser.add_argument('lockspace')
        parser.add_argument('resource')
        if name == 'acquire':
            parser.add_argument('--pid', type=int, default=None)


_command = cfg.SubCommandOpt('command', handler=_add_parsers,
                             title='commands')


def _call(op, **params):
    with client_mod.Client(CONF.fitlock.socket_path) as client:
        return client.call(op, **{k: v for k, v in params.items()
                                  if v is not None})


def _run(args):
    name = args.name
    if name == 'init':
        header = storage.create_lockspace(
            CONF.fitlock.directory, args.lockspace,
            args.max_hosts or CONF.fitlock.max_hosts,
            CONF.fitlock.io_timeout)
        return {'created': storage.lockspace_path(CONF.fitlock.directory,
                                                  args.lockspace),
                'max_hosts': header.max_hosts,
                'io_timeout': header.io_timeout_ms / 1000.0}
    if name == 'dump':
        return dump.lockspace(CONF.fitlock.directory, args.lockspace)
    if name == 'status':
        return _call('status')
    if name in ('hosts', 'leave'):
        return _call(name, lockspace=args.lockspace)
    if name == 'join':
        return _call('join', lockspace=args.lockspace, host_id=args.host_id)
    return _call(name, lockspace=args.lockspace, resource=args.resource,
                 pid=getattr(args, 'pid', None))


def main(argv=None):
    """Run one fitlock command; print its result as JSON."""
    CONF.register_cli_opt(_command)
    try:
        CONF(sys.argv[1:] if argv is None else argv, project='hastack',
             version=version.version_string)
        result = _run(CONF.command)
    except FileExistsError as e:
        print('fitlock: %s already exists; it is never overwritten'
              % e.filename, file=sys.stderr)
        return 1
    except (errors.FitlockError, OSError, cfg.Error) as e:
        print('fitlock: %s' % e, file=sys.stderr)
        return 1
    json.dump(result, sys.stdout, indent=2, sort_keys=True, default=str)
    print()
    return 0
