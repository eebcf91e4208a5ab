#!/bin/bash
# Install the Debian packages the network test fixtures need
# (tests/functional/net): etcd for the three plane clusters, iproute2 for
# the namespaces, bridges and veths, iptables for packet drops inside a
# test host. (setpriv, which ties etcd's life to the test process, is in
# util-linux, which Debian always has.)
# Idempotent: installs only what is missing. The tests start their own
# etcd clusters on free ports, never on the default 2379/2380, so an etcd
# that the package's service starts on a normal Debian host is harmless.
set -euo pipefail

PACKAGES=(etcd-server iproute2 iptables)

missing=()
for pkg in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null \
            | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-net-test-packages: all installed (${PACKAGES[*]})"
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
echo "install-net-test-packages: installing ${missing[*]}"
if ! install; then
    $SUDO apt-get update -q
    install
fi

