"""Readable dumps of the on-disk records (``fitlock dump``)."""

import dataclasses
import os

from hastack.fitlock import records
from hastack.fitlock import storage


def _block(kind, block):
    try:
        record = kind.unpack(block)
    except records.Corrupt as e:
        return {'corrupt': str(e)}
    return dataclasses.asdict(record) if record is not None else None


def lockspace(directory, name):
    """The header, every written host slot and every lease leader of a
    lockspace, read straight from the shared folder.

    :raises Corrupt: the file is not this lockspace's.
    """
    header = storage.read_header(directory, name)
    fd = os.open(storage.lockspace_path(directory, name),
                 storage.open_flags())
    try:
        blocks = storage.read_blocks(fd, 1, header.max_hosts)
    finally:
        os.close(fd)
    hosts = []
    for host_id, block in enumerate(blocks, start=1):
        if not records.is_empty(block):
            hosts.append(dict(host_id=host_id,
                              record=_block(records.Delta, block)))
    leases = []
    folder = storage.leases_dir(directory, name)
    for entry in sorted(os.listdir(folder)) if os.path.isdir(folder) else ():
        if not entry.endswith(storage.LEASE_SUFFIX):
            continue
        fd = os.open(os.path.join(folder, entry), storage.open_flags())
        try:
            (block,) = storage.read_blocks(fd, 0, 1)
        finally:
            os.close(fd)
        leases.append({'resource': entry[:-len(storage.LEASE_SUFFIX)],
                       'leader': _block(records.Leader, block)})
    return {'header': dataclasses.asdict(header), 'hosts': hosts,
            'leases': leases}
