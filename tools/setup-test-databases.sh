#!/bin/bash
# Create the openstack_citest account that oslo.db's opportunistic test
# fixtures log in with, on the local MariaDB/MySQL and PostgreSQL servers.
#
# The fixtures connect as openstack_citest/openstack_citest to localhost and
# create (and drop) a throwaway database per test run, so the account needs
# to create databases: all privileges with grant option on MariaDB, a
# superuser role on PostgreSQL. Running this script again is harmless.
#
# Environment:
#   MYSQL_ROOT_CMD  how to reach MariaDB as an administrator
#                   (default: mysql -uroot -h127.0.0.1)
#   PSQL_ROOT_CMD   how to reach PostgreSQL as an administrator
#                   (default: psql -h 127.0.0.1 -U postgres)
#   SKIP_MYSQL=1, SKIP_POSTGRESQL=1 to leave one server alone.

set -euo pipefail

DB_USER=openstack_citest
DB_PW=openstack_citest

MYSQL_ROOT_CMD=${MYSQL_ROOT_CMD:-mysql -uroot -h127.0.0.1}
PSQL_ROOT_CMD=${PSQL_ROOT_CMD:-psql -h 127.0.0.1 -U postgres}

if [ "${SKIP_MYSQL:-0}" != 1 ]; then
    echo "Setting up the ${DB_USER} account on MariaDB/MySQL"
    # NOTE(hastack): both '%' and 'localhost' are needed: MariaDB matches
    # the anonymous ''@'localhost' account (when present) before '%' for
    # local connections, which would reject the password.
    ${MYSQL_ROOT_CMD} <<SQL
CREATE USER IF NOT EXISTS '${DB_USER}'@'%' IDENTIFIED BY '${DB_PW}';
CREATE USER IF NOT EXISTS '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PW}';
ALTER USER '${DB_USER}'@'%' IDENTIFIED BY '${DB_PW}';
ALTER USER '${DB_USER}'@'localhost' IDENTIFIED BY '${DB_PW}';
GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'%' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO '${DB_USER}'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
SQL
fi

if [ "${SKIP_POSTGRESQL:-0}" != 1 ]; then
    echo "Setting up the ${DB_USER} role on PostgreSQL"
    ${PSQL_ROOT_CMD} -d postgres -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${DB_USER}') THEN
        CREATE ROLE ${DB_USER} LOGIN SUPERUSER PASSWORD '${DB_PW}';
    END IF;
END
\$\$;
ALTER ROLE ${DB_USER} LOGIN SUPERUSER PASSWORD '${DB_PW}';
SQL
fi

echo "Test database accounts are ready."
