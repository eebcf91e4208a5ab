#!/bin/bash
# Stand-ins for the devstack functions HaStack's devstack plugin calls, for
# tests/unit/devstack/test_plugin.py. Every function that acts appends one
# line to $STUB_LOG: its name and arguments, separated by tabs. Functions
# that only answer (is_service_enabled, trueorfalse, database_connection_url,
# ...) answer like devstack's and log nothing.
#
# Needs STUB_LOG and FAKE_BIN (the folder of fake console scripts).

_stub_log() {
    local IFS=$'\t'
    printf '%s\n' "$*" >>"$STUB_LOG"
}

# Answers.

is_service_enabled() {
    local service
    for service in "$@"; do
        if [[ ,${ENABLED_SERVICES}, == *,${service},* ]]; then
            return 0
        fi
        if declare -F "is_${service}_enabled" >/dev/null && "is_${service}_enabled"; then
            return 0
        fi
    done
    return 1
}

enable_service() {
    local service
    for service in "$@"; do
        if [[ ,${DISABLED_SERVICES}, == *,${service},* ]]; then
            continue
        fi
        if ! is_service_enabled "$service"; then
            ENABLED_SERVICES+=",$service"
        fi
    done
}

trueorfalse() {
    local default=$1
    local value=${!2:-$default}
    case "${value,,}" in
        1|yes|true|on) echo True ;;
        *) echo False ;;
    esac
}

get_python_exec_prefix() { echo "$FAKE_BIN"; }
get_transport_url() { echo "rabbit://stackrabbit:secret@$SERVICE_HOST:5672/"; }
database_connection_url() { echo "mysql+pymysql://root:secret@127.0.0.1/$1?charset=utf8"; }

# Actions: logged.

echo_summary() { _stub_log echo_summary "$@"; }
setup_develop() { _stub_log setup_develop "$@"; }
iniset() { _stub_log iniset "$@"; }
setup_logging() { _stub_log setup_logging "$@"; }
configure_keystone_authtoken_middleware() {
    _stub_log configure_keystone_authtoken_middleware "$@"
}
create_service_user() { _stub_log create_service_user "$@"; }
get_or_create_service() { _stub_log get_or_create_service "$@"; echo service-id; }
get_or_create_endpoint() { _stub_log get_or_create_endpoint "$@"; echo endpoint-id; }
recreate_database() { _stub_log recreate_database "$@"; }
write_uwsgi_config() { _stub_log write_uwsgi_config "$@"; }
remove_uwsgi_config() { _stub_log remove_uwsgi_config "$@"; }
run_process() { _stub_log run_process "$@"; }
stop_process() { _stub_log stop_process "$@"; }
wait_for_service() { _stub_log wait_for_service "$@"; }
restart_service() { _stub_log restart_service "$@"; }
sleep() { _stub_log sleep "$@"; }
die() { _stub_log die "$@"; exit 1; }

# The tests run unprivileged commands as themselves.
sudo() {
    _stub_log sudo "$@"
    "$@"
}
