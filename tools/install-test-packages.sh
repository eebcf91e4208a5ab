#!/bin/bash
# Install the Debian packages the functional tests need beyond Python:
#
#   openssh-server  a private sshd serving the shared folder
#                   (tests/functional/fitlock/storage_fixtures.py)
#   openssh-client  ssh, ssh-keygen
#   sshfs, fuse3    per-host mounts of that folder (needs /dev/fuse)
#   iproute2        network namespaces, veth pairs, bridges ("ip")
#   util-linux      nsenter
#
# Idempotent: installs only what is missing, and runs "apt-get update"
# only then. Run as root. The tests start their own sshd on a test
# address and port; a system sshd the package may start is not used.
set -euo pipefail

packages=(openssh-server openssh-client sshfs fuse3 iproute2 util-linux)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
            grep -q 'install ok installed'; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# sshd refuses to start without its privilege separation folder.
mkdir -p /run/sshd
chmod 0755 /run/sshd

if [ ! -c /dev/fuse ]; then
    echo "warning: /dev/fuse is missing: the sshfs storage tests will fail" >&2
fi
