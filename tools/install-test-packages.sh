#!/bin/bash
# Install the Debian packages HaStack's functional tests use; idempotent
# (does nothing when they are all there). Run as root, or with sudo.
set -euo pipefail

packages=(
    # Planes: etcd clusters, network namespaces, bridges, veths, iptables.
    etcd-server iproute2 iptables util-linux
    # Shared storage a cable cut really cuts: sshfs over a test veth.
    openssh-server openssh-client sshfs fuse3
    # The libvirt hook against a real libvirtd with a TCG domain.
    libvirt-daemon-system libvirt-clients qemu-system-x86
    # devstack/plugin.sh is linted by a unit test.
    shellcheck
    # pip builds libvirt-python (a test requirement) against these.
    libvirt-dev pkg-config gcc python3-dev python3-venv
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-test-packages: all installed"
    exit 0
fi

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
install() {
    $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}
echo "install-test-packages: installing ${missing[*]}"
if ! install; then
    $sudo apt-get update -q
    install
fi
