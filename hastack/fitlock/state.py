"""What fitlockd keeps on local disk to survive its own restart.

Per lockspace: our host id and delta record (so a restart can resume the
same generation), the record of a renewal still in flight, this boot's
id, the monotonic time the last good renewal started, the leases held and
their holders. Written atomically (temporary file, fsync, rename, fsync of
the folder): a crash leaves the old state or the new one, never half.
"""

import json
import os

from hastack.fitlock import records

BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id'


def boot_id(path=BOOT_ID_FILE):
    """This boot's id: CLOCK_MONOTONIC values only compare within one."""
    with open(path) as f:
        return f.read().strip()


def _path(state_dir, lockspace, part=''):
    return os.path.join(state_dir, '%s%s.json' % (lockspace, part))


def _record(record):
    return None if record is None else {
        f: getattr(record, f) for f in record.FIELDS}


def _write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(doc, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(os.path.dirname(path), os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save_leases(state_dir, lockspace, *, host_id, owner, leases, holders,
                dropped):
    """Persist who we are and the leases we hold (when they change)."""
    _write(_path(state_dir, lockspace), {
        'lockspace': lockspace, 'host_id': host_id, 'owner': owner,
        'leases': {r: _record(leader) for r, leader in leases.items()},
        'holders': {r: sorted(pids) for r, pids in holders.items()},
        'dropped': {r: _record(leader) for r, leader in dropped.items()},
    })


def save_renewal(state_dir, lockspace, *, mine, pending, boot,
                 last_renewal):
    """Persist the renewal state (every R; small whatever is held)."""
    _write(_path(state_dir, lockspace, '.renewal'), {
        'mine': _record(mine), 'pending': _record(pending),
        'boot_id': boot, 'last_renewal_monotonic': last_renewal,
    })


def load(state_dir, lockspace):
    """The saved state of a lockspace, or None.

    :returns: a dict with ``mine``/``pending`` as :class:`records.Delta`,
        ``leases`` and ``dropped`` as ``{resource: records.Leader}`` and
        ``holders`` as ``{resource: set(pids)}``.
    """
    try:
        with open(_path(state_dir, lockspace)) as f:
            doc = json.load(f)
        with open(_path(state_dir, lockspace, '.renewal')) as f:
            doc.update(json.load(f))
    except FileNotFoundError:
        return None
    doc['mine'] = (records.Delta(**doc['mine'])
                   if doc.get('mine') else None)
    doc['pending'] = (records.Delta(**doc['pending'])
                      if doc.get('pending') else None)
    for key in ('leases', 'dropped'):
        doc[key] = {r: records.Leader(**v)
                    for r, v in doc.get(key, {}).items()}
    doc['holders'] = {r: set(p) for r, p in doc.get('holders', {}).items()}
    return doc


def forget(state_dir, lockspace):
    """Remove a lockspace's state (after a clean leave)."""
    for part in ('', '.renewal'):
        try:
            os.unlink(_path(state_dir, lockspace, part))
        except FileNotFoundError:
            pass
