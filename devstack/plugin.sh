#!/bin/bash
#
# devstack plugin of HaStack: instance high availability for OpenStack.
#
#   [[local|localrc]]
#   enable_plugin hastack https://opendev.org/openstack/hastack
#
# devstack sources this file with the phase as arguments ("stack install",
# "stack post-config", "stack extra", "unstack", "clean"); the functions
# live in lib/hastack, the settings in settings.

# shellcheck source=devstack/lib/hastack
source "$(dirname "${BASH_SOURCE[0]}")/lib/hastack"

if is_service_enabled hastack; then
    if [[ "$1" == "stack" && "$2" == "install" ]]; then
        echo_summary "Installing HaStack"
        install_hastack

    elif [[ "$1" == "stack" && "$2" == "post-config" ]]; then
        echo_summary "Configuring HaStack"
        configure_hastack
        if is_service_enabled key && is_service_enabled hastack-api; then
            create_hastack_accounts
        fi
        if is_hastack_controller; then
            init_hastack
        fi
        if is_service_enabled horizon && [[ "$HASTACK_DASHBOARD" == "True" ]]; then
            install_hastack_dashboard
        fi

    elif [[ "$1" == "stack" && "$2" == "extra" ]]; then
        echo_summary "Starting HaStack"
        start_hastack

    elif [[ "$1" == "unstack" ]]; then
        stop_hastack

    elif [[ "$1" == "clean" ]]; then
        cleanup_hastack
    fi
fi
