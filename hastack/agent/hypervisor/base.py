"""The interface every hypervisor driver implements."""

import abc
import dataclasses

RUNNING = 'running'
STOPPED = 'stopped'
OTHER = 'other'


class HypervisorError(Exception):
    """The hypervisor could not do what was asked."""


@dataclasses.dataclass(frozen=True)
class Instance:
    """One instance as the hypervisor sees it."""

    uuid: str
    name: str
    state: str  # RUNNING, STOPPED or OTHER


class Driver(abc.ABC):
    """List, stop and watch the instances of this host."""

    @abc.abstractmethod
    def list_instances(self):
        """Every instance defined on this host.

        :returns: a list of :class:`Instance`.
        """

    @abc.abstractmethod
    def destroy(self, uuid):
        """Stop an instance at once (power off, not a shutdown).

        :returns: True when it was running and is stopped now, False when
            it was not running.
        :raises HypervisorError: it could not be stopped.
        """

    @abc.abstractmethod
    def watch(self, callback):
        """Call ``callback(uuid, state)`` on every lifecycle change, from a
        thread of the driver's, until :meth:`close`."""

    @abc.abstractmethod
    def close(self):
        """Release the driver's connections and threads."""

    def stop_instances(self, uuids=None):
        """Stop the listed instances (all running ones for None).

        :returns: ``{"stopped": [...], "not_running": [...], "failed":
            {uuid: reason}}``.
        """
        running = {i.uuid for i in self.list_instances()
                   if i.state == RUNNING}
        targets = running if uuids is None else set(uuids)
        result = {'stopped': [], 'not_running': [], 'failed': {}}
        for uuid in sorted(targets):
            if uuid not in running:
                result['not_running'].append(uuid)
                continue
            try:
                self.destroy(uuid)
                result['stopped'].append(uuid)
            except HypervisorError as e:
                result['failed'][uuid] = str(e)
        return result
