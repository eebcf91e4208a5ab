"""The libvirt driver: instances are libvirt domains named by Nova's
instance uuid (the domain uuid)."""

import threading

from oslo_log import log as logging

from hastack.agent.hypervisor import base

LOG = logging.getLogger(__name__)

_event_loop_lock = threading.Lock()
_event_loop_started = False


def _libvirt():
    # Imported here: libvirt-python is needed only on compute hosts.
    import libvirt
    return libvirt


def _start_event_loop(libvirt):
    # NOTE(hastack): libvirt delivers events only with an event loop
    # registered BEFORE the connection opens, run by some thread.
    global _event_loop_started
    with _event_loop_lock:
        if _event_loop_started:
            return
        libvirt.virEventRegisterDefaultImpl()
        # Errors come back as exceptions; libvirt need not also print them.
        libvirt.registerErrorHandler(lambda ctx, error: None, None)

        def run():
            while True:
                libvirt.virEventRunDefaultImpl()

        threading.Thread(target=run, daemon=True,
                         name='libvirt-events').start()
        _event_loop_started = True


class LibvirtDriver(base.Driver):
    """Domains of one libvirt connection.

    :param uri: e.g. ``qemu:///system``; ``test:///default`` in tests.
    """

    def __init__(self, uri):
        self.libvirt = _libvirt()
        _start_event_loop(self.libvirt)
        self.uri = uri
        try:
            self.conn = self.libvirt.open(uri)
        except self.libvirt.libvirtError as e:
            raise base.HypervisorError('cannot open %s: %s' % (uri, e))
        self._callback_ids = []

    def _state(self, domain):
        state, _reason = domain.state()
        if state == self.libvirt.VIR_DOMAIN_RUNNING:
            return base.RUNNING
        if state in (self.libvirt.VIR_DOMAIN_SHUTOFF,
                     self.libvirt.VIR_DOMAIN_CRASHED):
            return base.STOPPED
        return base.OTHER

    def list_instances(self):
        """Every domain of the connection, running or not."""
        try:
            domains = self.conn.listAllDomains()
        except self.libvirt.libvirtError as e:
            raise base.HypervisorError('cannot list domains: %s' % e)
        return [base.Instance(d.UUIDString(), d.name(), self._state(d))
                for d in domains]

    def destroy(self, uuid):
        """Hard-stop the domain with that uuid."""
        try:
            domain = self.conn.lookupByUUIDString(uuid)
            if not domain.isActive():
                return False
            domain.destroy()
            return True
        except self.libvirt.libvirtError as e:
            raise base.HypervisorError('cannot destroy %s: %s' % (uuid, e))

    def watch(self, callback):
        """Lifecycle events of every domain."""
        def on_event(conn, domain, event, detail, opaque):
            state = {self.libvirt.VIR_DOMAIN_EVENT_STARTED: base.RUNNING,
                     self.libvirt.VIR_DOMAIN_EVENT_STOPPED: base.STOPPED,
                     self.libvirt.VIR_DOMAIN_EVENT_CRASHED: base.STOPPED,
                     }.get(event, base.OTHER)
            try:
                callback(domain.UUIDString(), state)
            except Exception:  # noqa: BLE001 - never kill the event loop
                LOG.exception('Instance event callback failed')

        self._callback_ids.append(self.conn.domainEventRegisterAny(
            None, self.libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, on_event,
            None))

    def close(self):
        """Deregister events and close the connection."""
        for callback_id in self._callback_ids:
            try:
                self.conn.domainEventDeregisterAny(callback_id)
            except self.libvirt.libvirtError:
                pass
        self._callback_ids = []
        self.conn.close()
