#!/bin/bash
# Make the virtualenv that runs a real Nova control plane for HaStack's
# functional tests (tests/functional/nova/server.py).
#
#   tools/setup-nova-venv.sh [VENV]
#
# VENV defaults to $HASTACK_NOVA_VENV, else <repo>/.nova-venv. Nova lives in
# a venv of its own: its eventlet monkey patching and global configuration
# must never reach HaStack's processes, and HaStack's venv must not get it.
#
# Idempotent: when the venv already has the pinned packages it returns at
# once (no pip run). Prints the venv's python path on its last line.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${HASTACK_NOVA_VENV:-$top/.nova-venv}}
python=${PYTHON:-python3}

# nova 34.0.0 (2025.2) with the placement of the same release. Placement
# and its fixture run in the same process; wsgi-intercept and oslotest are
# what nova's functional fixtures import; SQLAlchemy 2.1 turns a deprecation
# warning into HTTP 500 on evacuate.
NOVA_VERSION=34.0.0
PLACEMENT_VERSION=16.0.0
packages=(
    "nova==$NOVA_VERSION"
    "openstack-placement==$PLACEMENT_VERSION"
    "python-novaclient"
    "SQLAlchemy<2.1"
    "oslotest"
    "wsgi-intercept"
    "fixtures"
    "testtools"
)
# Written inside the venv once everything installed and imported.
stamp=$venv/.hastack-nova-venv
want="nova=$NOVA_VERSION placement=$PLACEMENT_VERSION sqlalchemy<2.1 v1"

if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] &&
        [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv/bin/python"
    exit 0
fi

quiet_pip() {
    # pip here warns "Location ... is ignored" for its extra indexes.
    # pipefail: the pipeline fails when pip does.
    "$venv/bin/python" -m pip -q "$@" 2>&1 | { grep -v 'is ignored' || true; }
}

mkdir -p "$venv"
# Keep the venv out of git wherever it is made.
[ -f "$venv/.gitignore" ] || echo '*' > "$venv/.gitignore"
# One installer at a time (parallel test workers may all ask for it).
exec 9>"$venv/.setup.lock"
flock 9
if [ -x "$venv/bin/python" ] && [ -f "$stamp" ] &&
        [ "$(cat "$stamp")" = "$want" ]; then
    echo "$venv/bin/python"
    exit 0
fi

echo "setup-nova-venv: installing nova $NOVA_VERSION into $venv" >&2
rm -f "$stamp"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
quiet_pip install --upgrade pip >&2
quiet_pip install "${packages[@]}" >&2

# Check it really works: the functional helpers import (this also pulls in
# placement's fixture and the fake virt driver) and the paste config that
# nova-api needs is where server.py looks for it.
PYTHONWARNINGS=ignore "$venv/bin/python" - "$venv" <<'EOF' >&2
import os
import sys

from nova.tests.functional import integrated_helpers  # noqa: F401
import nova.virt.fake  # noqa: F401
import sqlalchemy

paste = os.path.join(sys.argv[1], 'etc', 'nova', 'api-paste.ini')
assert os.path.exists(paste), 'missing %s' % paste
major_minor = tuple(int(x) for x in sqlalchemy.__version__.split('.')[:2])
assert major_minor < (2, 1), sqlalchemy.__version__
EOF
echo "$want" > "$stamp"
echo "setup-nova-venv: ready" >&2
echo "$venv/bin/python"
