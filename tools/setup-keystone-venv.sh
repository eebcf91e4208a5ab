#!/bin/bash
# Make the virtualenv that runs a real Keystone for HaStack's functional
# tests (tests/functional/keystone/).
#
#   tools/setup-keystone-venv.sh [VENV]
#
# VENV defaults to $HASTACK_KEYSTONE_VENV, else <repo>/.venv-keystone.
# Keystone lives in a venv of its own: its pinned dependencies and global
# configuration must never reach HaStack's processes, and HaStack's venv
# must not get it.
#
# Idempotent: when the venv already has the pinned packages it returns at
# once (no pip run). Prints the venv's python path on its last line.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
venv=${1:-${HASTACK_KEYSTONE_VENV:-$top/.venv-keystone}}
python=${PYTHON:-python3}

# keystone 30.0.0 (2026.1) served by gunicorn on SQLite. gunicorn 27 is the
# release whose --no-control-socket the fixture passes.
KEYSTONE_VERSION=30.0.0
packages=(
    "keystone==$KEYSTONE_VERSION"
    "gunicorn>=27"
)
# Written inside the venv once everything installed and imported.
stamp=$venv/.hastack-keystone-venv
want="keystone=$KEYSTONE_VERSION gunicorn>=27 v1"

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

echo "setup-keystone-venv: installing keystone $KEYSTONE_VERSION into" \
    "$venv" >&2
rm -f "$stamp"
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
quiet_pip install --upgrade pip >&2
quiet_pip install "${packages[@]}" >&2

# Check it really works: the WSGI application's module and the management
# command import, and gunicorn knows the option the fixture passes.
PYTHONWARNINGS=ignore "$venv/bin/python" - <<'EOF' >&2
import importlib.util

import keystone.cmd.manage  # noqa: F401

assert importlib.util.find_spec('keystone.wsgi.api'), 'no keystone.wsgi.api'
EOF
"$venv/bin/gunicorn" --help | grep -- '--no-control-socket' >/dev/null || {
    echo "setup-keystone-venv: gunicorn lacks --no-control-socket" >&2
    exit 1
}
[ -x "$venv/bin/keystone-manage" ] || {
    echo "setup-keystone-venv: keystone-manage is missing" >&2
    exit 1
}
echo "$want" > "$stamp"
echo "setup-keystone-venv: ready" >&2
echo "$venv/bin/python"
