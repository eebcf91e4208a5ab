#!/bin/bash
# Make sure the database servers the functional tests use answer on
# loopback, starting those that are installed but stopped. On these
# machines PostgreSQL and MariaDB come installed; elsewhere install them
# first (apt-get install postgresql mariadb-server).
set -euo pipefail

wait_for() {
    local what=$1; shift
    for _ in $(seq 1 60); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.5
    done
    echo "ensure-services: $what did not come up" >&2
    return 1
}

if [ "${SKIP_POSTGRESQL:-0}" != 1 ] && \
        ! pg_isready -h 127.0.0.1 -q 2>/dev/null; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    wait_for PostgreSQL pg_isready -h 127.0.0.1 -q
fi

if ! mysqladmin -uroot -h127.0.0.1 ping >/dev/null 2>&1; then
    echo "Starting MariaDB"
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
    wait_for MariaDB mysqladmin -uroot -h127.0.0.1 ping
fi
echo "Database servers answer."

if ! (echo > /dev/tcp/127.0.0.1/5672) 2>/dev/null; then
    echo "Starting RabbitMQ"
    rabbitmq-server -detached
    wait_for RabbitMQ bash -c 'echo > /dev/tcp/127.0.0.1/5672'
fi
echo "RabbitMQ answers."
