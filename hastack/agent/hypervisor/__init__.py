"""Hypervisor drivers: list, stop and watch this host's instances."""

from hastack.agent.hypervisor import base


def load(conf):
    """The driver ``[agent] hypervisor`` names."""
    if conf.agent.hypervisor == 'libvirt':
        from hastack.agent.hypervisor import libvirt_driver
        return libvirt_driver.LibvirtDriver(conf.agent.libvirt_uri)
    if conf.agent.hypervisor == 'process':
        from hastack.agent.hypervisor import process_driver
        if not conf.agent.process_instances_dir:
            raise base.HypervisorError(
                'hypervisor = process needs [agent] process_instances_dir')
        return process_driver.ProcessDriver(conf.agent.process_instances_dir)
    raise base.HypervisorError('unknown hypervisor driver %r'
                               % conf.agent.hypervisor)
