#!/bin/bash
# Install the Debian packages the libvirt hook test needs
# (tests/functional/fitlock/test_libvirt_hook.py, TestRealLibvirtd): a
# privileged libvirtd with its QEMU driver, virtlogd and virsh, and QEMU
# for x86 (TCG; the domains are diskless, so no qemu-utils). unshare and
# mount, for the private mount namespace of the test's libvirtd, are in
# util-linux and mount, which Debian always has.
# Idempotent: installs only what is missing. The test starts its own
# libvirtd; where the package's service starts the system libvirtd (a
# normal Debian host without this image's policy-rc.d), the test skips,
# saying that another libvirtd holds the QEMU driver.
set -euo pipefail

PACKAGES=(libvirt-daemon-system libvirt-clients qemu-system-x86)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-libvirt-test-packages: all installed (${PACKAGES[*]})"
    exit 0
fi

SUDO=
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
fi

export DEBIAN_FRONTEND=noninteractive
install() {
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
}
echo "install-libvirt-test-packages: installing ${missing[*]}"
if ! install; then
    $SUDO apt-get update -q
    install
fi
