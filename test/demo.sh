#!/usr/bin/env bash
# test/demo.sh — see wwva work, from a fresh Debian 12 machine, in one command.
#
#   test/demo.sh           install missing Debian packages, build and install
#                          wwva, start a throwaway PostgreSQL 15 cluster, load
#                          the Xinchu example into database "xinchu", print its
#                          WWVA statement, then stop and delete the cluster.
#   test/demo.sh --keep    same, but leave the cluster running so you can
#                          explore database "xinchu" (prints how to connect).
#
# Environment: WWVA_SKIP_DEPS=1 skips the apt-get step.
set -euo pipefail

# shellcheck source=test/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

wwva_parse_options xinchu "$@"

wwva_install_deps
wwva_build_install
wwva_start_cluster demo

wwva_log "creating database xinchu with extension wwva"
wwva_psql -d postgres -c 'CREATE DATABASE xinchu'
wwva_psql -d xinchu -c 'CREATE EXTENSION wwva'

wwva_load_xinchu xinchu || wwva_die "loading test/data/xinchu.sql failed"

wwva_log "the Xinchu WWVA statement (test/data/show_xinchu.sql):"
(cd "$ROOT" && wwva_psql -d xinchu -f test/data/show_xinchu.sql) ||
	wwva_die "test/data/show_xinchu.sql failed"

wwva_log "done"
