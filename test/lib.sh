# shellcheck shell=bash
# test/lib.sh — helpers shared by test/run.sh and test/demo.sh.
#
# Source it from a bash script running under `set -euo pipefail`:
#
#     . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It defines:
#   wwva_install_deps         install the Debian packages wwva needs, if missing
#   wwva_build_install        make clean all install; fails on any compiler warning
#   wwva_start_cluster NAME   start a throwaway PostgreSQL 15 cluster on 127.0.0.1
#                             and stop + delete it when the script exits
#   wwva_psql [ARGS...]       psql, quiet, no psqlrc, ON_ERROR_STOP=1
#   wwva_log MESSAGE...       a progress line on stderr
#
# Environment:
#   WWVA_SKIP_DEPS=1          skip the apt-get step
#   WWVA_KEEP=1               leave the cluster running when the script exits

# The repository root, whatever the caller's working directory.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT

# PG_BIN may point at another PostgreSQL 15 installation (a relocated copy,
# say, so that two checkouts can be tested side by side).
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_CONFIG="$PG_BIN/pg_config"

WWVA_PACKAGES=(
	build-essential
	postgresql-15
	postgresql-server-dev-15
	postgresql-15-pgtap
	postgresql-15-cron
	libtap-parser-sourcehandler-pgtap-perl
	postgresql-contrib
	cppcheck
	clang-14
	libclang-rt-14-dev
)

# Set by wwva_start_cluster and wwva_start_shard; read by the exit trap.
WWVA_TMPDIR=""
WWVA_PGDATA=""
WWVA_SHARD_PGDATA=()
WWVA_KEEP="${WWVA_KEEP:-0}"
WWVA_KEEP_DB="${WWVA_KEEP_DB:-postgres}"   # database named in the --keep hint

wwva_log() {
	printf '%s %s\n' "[wwva $(date +%H:%M:%S)]" "$*" >&2
}

wwva_die() {
	wwva_log "ERROR: $*"
	exit 1
}

# wwva_parse_options KEEP_DB [ARG...]: the options every script takes.
#   --keep     leave the cluster running; the hint names database KEEP_DB
#   -h|--help  print the calling script's header comment
wwva_parse_options() {
	local keep_db="$1" arg
	shift
	for arg in "$@"; do
		case "$arg" in
		--keep)
			WWVA_KEEP=1
			WWVA_KEEP_DB="$keep_db"
			;;
		-h | --help)
			wwva_usage
			exit 0
			;;
		*)
			wwva_usage >&2
			wwva_die "unknown option: $arg"
			;;
		esac
	done
}

# The calling script's header comment, from line 2 to the first line that
# is not a comment.
wwva_usage() {
	awk 'NR == 1 { next } !/^#/ { exit } { sub(/^# ?/, ""); print }' "$0"
}

# Run a command as root: directly when we are root, else through sudo.
wwva_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		wwva_die "need root (or sudo) to run: $*"
	fi
}

# Run a command as the PostgreSQL server's user: `postgres` when we are root
# (the server refuses to run as root), else ourselves.
wwva_as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

wwva_install_deps() {
	if [ "${WWVA_SKIP_DEPS:-0}" = 1 ]; then
		wwva_log "WWVA_SKIP_DEPS=1: not checking Debian packages"
		return 0
	fi
	local pkg missing=()
	for pkg in "${WWVA_PACKAGES[@]}"; do
		if ! dpkg -s "$pkg" 2>/dev/null | grep -q '^Status: install ok installed'; then
			missing+=("$pkg")
		fi
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		wwva_log "Debian packages: all present"
		return 0
	fi
	wwva_log "installing missing Debian packages: ${missing[*]}"
	wwva_as_root apt-get update
	wwva_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${WWVA_PACKAGES[@]}"
}

# Build and install the extension with -Werror: it must be warning-free, and
# any "warning:" left (from make, say) fails the script too.
wwva_build_install() {
	local out rc=0
	out="$(mktemp /tmp/wwva-build.XXXXXX)"
	wwva_log "building and installing wwva (make clean all install)"
	if [ "$(id -u)" -eq 0 ]; then
		LC_ALL=C make -C "$ROOT" clean all install PG_CONFIG="$PG_CONFIG" \
			PG_CFLAGS="-Wall -Wextra -Werror" >"$out" 2>&1 || rc=$?
	else
		{ LC_ALL=C make -C "$ROOT" clean all PG_CONFIG="$PG_CONFIG" PG_CFLAGS="-Wall -Wextra -Werror" &&
			wwva_as_root env LC_ALL=C make -C "$ROOT" install PG_CONFIG="$PG_CONFIG"; } >"$out" 2>&1 || rc=$?
	fi
	if [ "$rc" -ne 0 ]; then
		cat "$out" >&2
		rm -f "$out"
		wwva_die "build failed (make exited with $rc)"
	fi
	if grep -q 'warning:' "$out"; then
		grep -B2 -A4 'warning:' "$out" >&2 || true
		rm -f "$out"
		wwva_die "the build printed compiler warnings (above); it must be warning-free"
	fi
	rm -f "$out"
	wwva_log "built and installed into $("$PG_CONFIG" --pkglibdir)"
}

# True when nothing listens on TCP port $1 (any address) and no PostgreSQL
# Unix socket for that port exists anywhere.
wwva_port_free() {
	local port="$1"
	if command -v ss >/dev/null 2>&1; then
		if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
			return 1
		fi
		if ss -Hlx 2>/dev/null | grep -q "\.s\.PGSQL\.${port}[[:space:]]"; then
			return 1
		fi
	fi
	# pg_isready: 2 = no response, i.e. nothing there.
	local st=0
	"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -t 2 || st=$?
	[ "$st" -eq 2 ] || return 1
	return 0
}

# The exit trap: stop the cluster and remove its directory (unless kept).
wwva_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -z "$WWVA_TMPDIR" ]; then
		return "$rc"
	fi
	if [ "$WWVA_KEEP" = 1 ]; then
		wwva_log "cluster kept running (--keep). Connect with:"
		printf '    PGHOST=%s PGPORT=%s PGUSER=%s %s/psql -d %s\n' \
			"${PGHOST:-}" "${PGPORT:-}" "${PGUSER:-}" "$PG_BIN" "$WWVA_KEEP_DB" >&2
		wwva_log "stop and remove it with:"
		printf '    %s %s/pg_ctl -D %s -m fast stop && rm -rf %s\n' \
			"$([ "$(id -u)" -eq 0 ] && echo 'runuser -u postgres --')" \
			"$PG_BIN" "$WWVA_PGDATA" "$WWVA_TMPDIR" >&2
		return "$rc"
	fi
	local shard
	for shard in "${WWVA_SHARD_PGDATA[@]}"; do
		if [ -f "$shard/postmaster.pid" ]; then
			wwva_log "stopping shard cluster $shard"
			wwva_as_pg "$PG_BIN/pg_ctl" -D "$shard" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
		fi
	done
	if [ -n "$WWVA_PGDATA" ] && [ -f "$WWVA_PGDATA/postmaster.pid" ]; then
		wwva_log "stopping the test cluster on port ${PGPORT:-?}"
		if ! wwva_as_pg "$PG_BIN/pg_ctl" -D "$WWVA_PGDATA" -m fast -w -t 60 stop >/dev/null 2>&1; then
			# Last resort: the postmaster we started, by its pid.
			local pid
			pid="$(head -n1 "$WWVA_PGDATA/postmaster.pid" 2>/dev/null || true)"
			if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
				wwva_log "pg_ctl stop failed; sending SIGQUIT to postmaster $pid"
				kill -QUIT "$pid" 2>/dev/null || true
				sleep 2
				kill -KILL "$pid" 2>/dev/null || true
			fi
		fi
	fi
	case "$WWVA_TMPDIR" in
	/tmp/wwva-*) rm -rf "$WWVA_TMPDIR" || true ;;
	esac
	WWVA_TMPDIR=""
	return "$rc"
}

# Trust, on the Unix socket (in the private directory) and loopback only.
wwva_write_hba() {
	wwva_as_pg tee "$1/pg_hba.conf" >/dev/null <<-'EOF'
		# wwva throwaway test cluster: trust, loopback only
		local   all          all                   trust
		host    all          all   127.0.0.1/32    trust
		host    all          all   ::1/128         trust
		local   replication  all                   trust
		host    replication  all   127.0.0.1/32    trust
	EOF
}

# wwva_start_cluster NAME: initdb + start a private cluster on a free port,
# with pg_cron preloaded (its jobs run as background workers, its catalog in
# database postgres) for the scheduling recipe.
wwva_start_cluster() {
	local name="${1:-test}"
	WWVA_TMPDIR="$(mktemp -d "/tmp/wwva-$name.XXXXXX")"
	WWVA_PGDATA="$WWVA_TMPDIR/data"
	# From here on, whatever happens, the cluster goes away with the script.
	trap wwva_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM

	if [ "$(id -u)" -eq 0 ]; then
		chown postgres:postgres "$WWVA_TMPDIR"
	fi
	chmod 700 "$WWVA_TMPDIR"

	wwva_log "initdb in $WWVA_PGDATA"
	local out="$WWVA_TMPDIR/initdb.log"
	if ! wwva_as_pg "$PG_BIN/initdb" -D "$WWVA_PGDATA" -U postgres --encoding=UTF8 --no-locale \
		--auth=trust --no-sync >"$out" 2>&1; then
		cat "$out" >&2
		wwva_die "initdb failed"
	fi
	wwva_write_hba "$WWVA_PGDATA"

	local port=55432 tries=0 log="$WWVA_TMPDIR/postgres.log"
	while :; do
		while ! wwva_port_free "$port"; do
			port=$((port + 1))
			[ "$port" -lt 56432 ] || wwva_die "no free TCP port in 55432..56431"
		done
		wwva_log "starting PostgreSQL 15 on 127.0.0.1:$port (log: $log)"
		if wwva_as_pg "$PG_BIN/pg_ctl" -D "$WWVA_PGDATA" -l "$log" -w -t 120 -s \
			-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WWVA_TMPDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_parallel_workers_per_gather=2 -c shared_buffers=1GB -c work_mem=256MB -c maintenance_work_mem=1GB -c shared_preload_libraries=pg_cron -c cron.database_name=postgres -c cron.use_background_workers=on -c max_worker_processes=16" \
			start; then
			break
		fi
		tries=$((tries + 1))
		if [ "$tries" -ge 5 ]; then
			tail -n 30 "$log" >&2 || true
			wwva_die "could not start PostgreSQL (log above)"
		fi
		# Perhaps someone took the port meanwhile: try the next one.
		wwva_log "start failed on port $port; trying another"
		port=$((port + 1))
	done

	export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=postgres
	unset PGDATABASE PGPASSWORD PGSERVICE PGOPTIONS
}

# wwva_start_shard NAME [SERVER OPTIONS]: one more throwaway cluster, a shard, on the next
# free loopback port after $PGPORT.  It lives in a directory of its own
# that the exit trap stops and removes, whether or not this script
# started the main cluster.  Sets WWVA_SHARD_PORT.
wwva_start_shard() {
	local name="$1" extra="${2:-}" dir port=$((PGPORT + 1)) out
	if [ -z "$WWVA_TMPDIR" ]; then
		WWVA_TMPDIR="$(mktemp -d "/tmp/wwva-shards.XXXXXX")"
		[ "$(id -u)" -ne 0 ] || chown postgres:postgres "$WWVA_TMPDIR"
		chmod 700 "$WWVA_TMPDIR"
		trap wwva_cleanup EXIT
	fi
	dir="$WWVA_TMPDIR/$name"
	wwva_as_pg mkdir "$dir"
	out="$dir.initdb.log"
	if ! wwva_as_pg "$PG_BIN/initdb" -D "$dir" -U postgres --encoding=UTF8 --no-locale \
		--auth=trust --no-sync >"$out" 2>&1; then
		cat "$out" >&2
		wwva_die "initdb of shard $name failed"
	fi
	wwva_write_hba "$dir"
	while ! wwva_port_free "$port"; do
		port=$((port + 1))
		[ "$port" -lt 56432 ] || wwva_die "no free TCP port for shard $name"
	done
	WWVA_SHARD_PGDATA+=("$dir")
	wwva_log "starting shard $name on 127.0.0.1:$port"
	wwva_as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir.log" -w -t 120 -s \
		-o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WWVA_TMPDIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c shared_buffers=512MB -c work_mem=256MB -c max_parallel_workers_per_gather=2 $extra" \
		start || { tail -n 30 "$dir.log" >&2; wwva_die "could not start shard $name"; }
	WWVA_SHARD_PORT="$port"
}

# wwva_copy_mes FROM_DB TO_PORT TO_DB ME_LIST: the MEs (a quoted list) and
# their postings and events, ids kept, copied to a shard's wwva; then
# ANALYZE there.
wwva_copy_mes() {
	local from="$1" port="$2" to="$3" mes="$4"
	wwva_psql -d "$from" -c "COPY (SELECT * FROM wwva.me WHERE me_id IN ($mes)) TO STDOUT" |
		wwva_psql -p "$port" -d "$to" -c 'COPY wwva.me FROM STDIN'
	wwva_psql -d "$from" -c "COPY (SELECT entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo FROM wwva.ledger WHERE me_id IN ($mes)) TO STDOUT" |
		wwva_psql -p "$port" -d "$to" -c 'COPY wwva.ledger (entry_id, me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo) FROM STDIN'
	wwva_psql -d "$from" -c "COPY (SELECT event_id, me_id, user_id, occurred_at, kind FROM wwva.user_event WHERE me_id IN ($mes)) TO STDOUT" |
		wwva_psql -p "$port" -d "$to" -c 'COPY wwva.user_event (event_id, me_id, user_id, occurred_at, kind) FROM STDIN'
	wwva_psql -p "$port" -d "$to" -c 'VACUUM ANALYZE'
}

# wwva_rows_shipped: reads EXPLAIN ANALYZE output and prints how many rows
# its foreign scans returned to the coordinator.
wwva_rows_shipped() {
	awk '/Foreign Scan/ { if (match($0, /actual rows=[0-9]+/)) s += substr($0, RSTART + 12, RLENGTH - 12) } END { print s + 0 }'
}

# psql against the throwaway cluster: quiet, no ~/.psqlrc, stop on first error.
wwva_psql() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# wwva_load_xinchu DB: load test/data/xinchu.sql (run from the repository
# root, as a user would) into DB, then ANALYZE so plans are stable.
wwva_load_xinchu() {
	local db="$1" start secs
	[ -f "$ROOT/test/data/xinchu.sql" ] || {
		wwva_log "ERROR: $ROOT/test/data/xinchu.sql is missing"
		return 1
	}
	wwva_log "loading the Xinchu example (about 11.6 million user events) into database $db…"
	start="$(date +%s)"
	(cd "$ROOT" && wwva_psql -d "$db" -f test/data/xinchu.sql) || return 1
	wwva_psql -d "$db" -c 'ANALYZE' || return 1
	secs=$(($(date +%s) - start))
	wwva_log "Xinchu example loaded in $((secs / 60))m$((secs % 60))s"
}
