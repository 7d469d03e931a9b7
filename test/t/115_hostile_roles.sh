#!/usr/bin/env bash
# Hostile roles: an analyst and a loader set up exactly as the README's
# recipes print them ("7. One ME per analyst: row-level security" and the
# loader recipe of "Security model") attack everything they can reach, in
# a group with a second ME, zz_secret, whose id and figures they must
# never learn and whose statement they must not change.
#
#   1. the analyst reads every relation of every schema it may read (and
#      the internal tables and the ledgers' partitions by name); no row
#      holds the secret ME's id or values;
#   2. it calls every function of wwva and wwva_internal it may execute,
#      with forged arguments naming the secret ME or EMC; neither results
#      nor errors tell the secret ME from one that does not exist, or show
#      its values; a leaky function of its own sees no hidden row;
#   3. it cannot attach wwva's trigger functions to a table of its own,
#      nor execute an aggregate support function;
#   4. the loader cannot forge a change trace or write the secret ME's
#      rows; its own rows reach the materialized statement, which equals
#      wwva.statement line for line after a refresh;
#   5. a trace of an unknown ME (left by a restore) is consumed by the next
#      refresh;
#   6. partitions a DBA adds later (CREATE ... PARTITION OF, ATTACH
#      PARTITION, sub-partitions, CREATE SCHEMA ... CREATE TABLE ...
#      PARTITION OF; of both ledgers) get row-level security from the
#      event trigger, and get it back when it is disabled.
#
# Prints one line per check and "N passed, N failed"; exits 1 when a check
# failed.  Runs in its own database with its own roles (the recipe's
# analyst_a and loader_a, and wwva_hostile_b), dropped at exit.
#
# Environment: PGHOST, PGPORT, PGUSER (a superuser), ROOT, PG_BIN;
#   WWVA_HOSTILE_VERSION=0.5.0  create that version of the extension
#                               instead of the default (to see the attacks
#                               that 0.6.0 stops succeed);
#   WWVA_HOSTILE_MODULE=PATH    take that version's C functions from the
#                               shared library PATH (say, wwva.so built
#                               from the commit that released it), not
#                               the installed one;
#   WWVA_HOSTILE_KEEP=1         keep the database, roles and work files.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
db=wwva_hostile_roles
analyst=analyst_a   # the names the README's recipes create
loader=loader_a
other=wwva_hostile_b    # a second analyst, mapped to the secret ME
version=${WWVA_HOSTILE_VERSION:-}
work=$(mktemp -d /tmp/wwva-hostile.XXXXXX)
started=$(date +%s)
# JIT compiling the plans of information_schema's views alone takes seconds
export PGOPTIONS="${PGOPTIONS:-} -c jit=off"

cleanup() {
	local rc=$?
	trap - EXIT
	set +e
	if [ "${WWVA_HOSTILE_KEEP:-0}" = 1 ]; then
		echo "# kept: database $db, roles $analyst $loader $other, files $work" >&2
		exit "$rc"
	fi
	"$PG_BIN/dropdb" --if-exists "$db" >/dev/null 2>&1
	for r in "$analyst" "$loader" "$other"; do
		"$PG_BIN/psql" -X -q -d postgres -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
	done
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT

passed=0
failed=0
ok() { echo "ok - $*"; passed=$((passed + 1)); }
fail() { echo "FAIL - $*"; failed=$((failed + 1)); }
# give_up MESSAGE: a failed check the rest cannot run without
give_up() {
	fail "$*"
	echo "$passed passed, $failed failed"
	exit 1
}

# owner [PSQL ARGS]: psql as the superuser who created the extension; stops on error
owner() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -At -d "$db" "$@"; }

# as_role ROLE NAME < SQL: runs SQL as ROLE (SET ROLE, which must work),
# errors allowed and reported verbosely (with their SQLSTATE); stdout goes
# to $work/NAME.out, stderr to $work/NAME.err.
as_role() {
	local role="$1" name="$2" rc=0
	{
		printf '\\set ON_ERROR_STOP 1\nSET ROLE %s;\n\\set ON_ERROR_STOP 0\n\\set VERBOSITY verbose\n' "$role"
		cat
	} | "$PG_BIN/psql" -X -q -At -d "$db" -f - >"$work/$name.out" 2>"$work/$name.err" || rc=$?
	if [ "$rc" -ne 0 ]; then
		cat "$work/$name.err" >&2
		give_up "could not run SQL as $role (psql exit $rc; its errors are above)"
	fi
}

# secrets_in FILE...: the secret strings the files hold, comma-separated
# (case-insensitive fixed strings from $work/secrets); empty when none.
secrets_in() {
	cat "$@" | tr '[:upper:]' '[:lower:]' | grep -o -F -f "$work/secrets" | sort -u | paste -sd, - || true
}

# sqlstates FILE: the SQLSTATEs of the errors in FILE, comma-separated
sqlstates() { sed -n 's/^.*ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p' "$1" | sort -u | paste -sd, - || true; }

# split_by_marker FILE DIR: the parts of FILE after each line "==MARK key"
# into DIR/key (the marker lines come from \echo on stdout, \warn on stderr)
split_by_marker() {
	mkdir -p "$2"
	awk -v dir="$2" '/^==MARK / { f = dir "/" substr($0, 8); printf "" > f; next } f != "" { print >> f }' "$1"
}

# scan OUT ERR: for each "==MARK key" section of OUT (a query's rows) and
# ERR (its errors), one line of fields separated by \x1f: key, rows, the
# SQLSTATEs of its errors, the secrets (of $work/secrets) either shows, and
# the first line showing one.
scan() {
	awk -v OFS=$'\x1f' '
	FNR == 1 { rel = "" }
	FILENAME == ARGV[1] { pat[++np] = tolower($0); next }
	/^==MARK / { rel = substr($0, 8); if (!(rel in seen)) { seen[rel] = 1; order[++nr] = rel }; next }
	rel == "" { next }
	{
		if (FILENAME == ARGV[2]) rows[rel]++
		else if (match($0, /ERROR:  [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]:/)) {
			c = substr($0, RSTART + 8, 5)
			if (index("," st[rel] ",", "," c ",") == 0) st[rel] = st[rel] (st[rel] == "" ? "" : ",") c
		}
		l = tolower($0)
		for (i = 1; i <= np; i++)
			if (index(l, pat[i]) && !((rel, i) in h)) {
				h[rel, i] = 1
				hits[rel] = hits[rel] (hits[rel] == "" ? "" : ",") pat[i]
				if (!(rel in first)) first[rel] = substr($0, 1, 300)
			}
	}
	END { for (k = 1; k <= nr; k++) { r = order[k]; print r, rows[r] + 0, st[r], hits[r], first[r] } }' "$work/secrets" "$1" "$2"
}

# ---------------------------------------------------------------------------
# 0. A fresh database; the recipe's roles must not exist yet
# ---------------------------------------------------------------------------
"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db"
for r in "$analyst" "$loader" "$other"; do
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $r" || {
		give_up "role $r exists and cannot be dropped (it has privileges or objects elsewhere); drop it first"
	}
done
"$PG_BIN/createdb" "$db"
if [ -n "$version" ]; then
	owner -c "CREATE EXTENSION wwva VERSION '$version'"
else
	owner -c "CREATE EXTENSION wwva"
fi
if [ -n "${WWVA_HOSTILE_MODULE:-}" ]; then
	# the C functions of this database only from the given shared library
	owner -c "UPDATE pg_proc SET probin = '$WWVA_HOSTILE_MODULE' WHERE probin = '\$libdir/wwva'" >/dev/null
fi
echo "# wwva $(owner -c "SELECT extversion FROM pg_extension WHERE extname = 'wwva'") in database $db${WWVA_HOSTILE_MODULE:+, C functions from $WWVA_HOSTILE_MODULE}"

# where a table of wwva's own is: wwva_internal since 0.6.0, wwva before
internal_table() {
	owner -c "SELECT c.oid::regclass FROM pg_class c WHERE c.relname = '$1'
	             AND c.relnamespace::regnamespace::text IN ('wwva_internal', 'wwva')
	           ORDER BY c.relnamespace::regnamespace::text = 'wwva_internal' DESC LIMIT 1"
}

# ---------------------------------------------------------------------------
# 1. The group: xinchu (the README's ME) and zz_secret, with distinctive
#    values everywhere: postings, events, a target, a sharing rule, EMCs
# ---------------------------------------------------------------------------
owner <<'SQL'
SET client_min_messages = warning;
-- a unit of the secret ME's own: wwva.currency shows it to no analyst
INSERT INTO wwva.currency (code, minor_unit, name) VALUES ('ZZ_SECRET_COIN', 2, 'ZZ_SECRET coin');
INSERT INTO wwva.me (me_id, name, kind, active_min_transactions, lifetime_periods, timezone, currency) VALUES
    ('xinchu', 'Xinchu smart refrigerator', 'user', 1, 2, 'Asia/Shanghai', 'RMB'),
    ('zz_secret', 'ZZ_SECRET skunkworks', 'node', 2, 2, 'Pacific/Chatham', 'ZZ_SECRET_COIN');
INSERT INTO wwva.period (period_id, starts_on, ends_on) VALUES
    ('2016', '2016-01-01', '2017-01-01'),
    ('2017', '2017-01-01', '2018-01-01');

-- xinchu: the README's postings and events, and more of both in each period
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, memo) VALUES
    ('xinchu', '2017-03-31', 'hardware',  'revenue', NULL,       21360000.00, 'appliance_sales', 'March sales'),
    ('xinchu', '2017-03-31', 'hardware',  'cost',    'variable',   583333.33, 'materials', NULL),
    ('xinchu', '2017-03-31', 'hardware',  'cost',    'fixed',     1200000.00, 'salaries', NULL),
    ('xinchu', '2017-03-31', 'ecosystem', 'revenue', NULL,         950000.00, 'fresh_food', 'partner differential'),
    ('xinchu', '2017-03-31', 'ecosystem', 'cost',    'variable',   330000.00, 'partner_fulfilment', NULL);
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category)
SELECT 'xinchu', DATE '2016-01-10' + i * 7, (ARRAY['hardware', 'ecosystem'])[1 + i % 2],
       (ARRAY['revenue', 'cost'])[1 + i / 2 % 2], CASE WHEN i / 2 % 2 = 1 THEN (ARRAY['variable', 'fixed'])[1 + i / 4 % 2] END,
       1000 + i * 10, 'weekly'
  FROM generate_series(0, 99) AS i;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('xinchu', 42, '2017-03-02 19:04:11+08', 'interaction'),
    ('xinchu', 42, '2017-03-05 10:15:00+08', 'transaction'),
    ('xinchu', 42, '2017-03-09 21:40:00+08', 'co_creation'),
    ('xinchu', 77, '2017-03-11 08:00:00+08', 'customization');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'xinchu', 1 + i % 150, TIMESTAMPTZ '2016-01-01 12:00+08' + i * interval '17 hours',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'customization'])[1 + i % 5]
  FROM generate_series(0, 999) AS i;
INSERT INTO wwva.target (me_id, period_id, item, value) VALUES
    ('xinchu', '2017', 'active_users', 120),
    ('xinchu', '2017', 'total_profit', 4752600);
INSERT INTO wwva.sharing_rule (me_id, party, base, rate, floor, cap) VALUES
    ('xinchu', 'users',     'excess_over_target', 0.5,      NULL, NULL),
    ('xinchu', 'investors', 'ecosystem_profit',   0.26268,  NULL, NULL),
    ('xinchu', 'team',      'ecosystem_profit',   0.005195, NULL, NULL);

-- zz_secret: every stream and kind in every period, users 999999001..., a
-- partner, a target, a rule
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, category, user_id, partner_id, memo)
SELECT 'zz_secret', p.d + i, v.stream, v.kind, v.behavior, v.amount, 'zz_secret_category', 999999001 + i,
       'zz_partner', 'zz_secret memo'
  FROM (VALUES (DATE '2016-05-05'), (DATE '2017-05-05')) AS p(d)
 CROSS JOIN (VALUES ('hardware', 'revenue', NULL, 777777.77), ('hardware', 'cost', 'variable', 377777.73),
                    ('ecosystem', 'revenue', NULL, 277777.72), ('ecosystem', 'cost', 'fixed', 177777.71)) AS v(stream, kind, behavior, amount)
 CROSS JOIN generate_series(0, 1) AS i;
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT 'zz_secret', 999999001 + i % 40, p.t + i * interval '5 hours',
       (ARRAY['interaction', 'transaction', 'transaction', 'co_creation', 'customization'])[1 + i % 5]
  FROM (VALUES (TIMESTAMPTZ '2016-03-03 03:03+00'), (TIMESTAMPTZ '2017-03-03 03:03+00')) AS p(t)
 CROSS JOIN generate_series(0, 199) AS i;
INSERT INTO wwva.target (me_id, period_id, item, value) VALUES
    ('zz_secret', '2017', 'total_profit', 31415926.53),
    ('zz_secret', '2016', 'active_users', 2718);
INSERT INTO wwva.sharing_rule (me_id, party, base, rate, floor, cap) VALUES
    ('zz_secret', 'investors', 'ecosystem_profit', 0.42424242, 4242424.24, NULL),
    ('zz_secret', 'team', 'total_profit', 0.01231231, NULL, 9191919.19);

-- EMCs: xinchu's own, the secret ME's own, and one of both
INSERT INTO wwva.emc (emc_id, name, leader_me_id) VALUES
    ('kitchen_x', 'Xinchu kitchen', 'xinchu'),
    ('zz_secret_emc', 'ZZ_SECRET community', 'zz_secret'),
    ('zz_joint_emc', 'zz_joint: both', 'xinchu');
INSERT INTO wwva.emc_member (emc_id, member_id, kind, weight, lower_limit, upper_limit) VALUES
    ('kitchen_x', 'xinchu', 'me', 0.8, 0, NULL),
    ('kitchen_x', 'recipe_community', 'partner', 0.2, 0, 5000),
    ('zz_secret_emc', 'zz_secret', 'me', 0.7, 0, NULL),
    ('zz_secret_emc', 'zz_partner', 'partner', 0.3, 0, 1212121.21),
    ('zz_joint_emc', 'xinchu', 'me', 0.5, 0, NULL),
    ('zz_joint_emc', 'zz_secret', 'me', 0.5, 0, 8080808.08);
INSERT INTO wwva.emc_contract (emc_id, period_id, leading_target, pool_floor, pool_cap) VALUES
    ('kitchen_x', '2017', 0, 0, NULL),
    ('zz_secret_emc', '2016', 0, 0, 13131313.13),
    ('zz_secret_emc', '2017', 0, 0, 13131313.13),
    ('zz_joint_emc', '2017', 0, 0, 14141414.14);
INSERT INTO wwva.emc_tier (emc_id, period_id, threshold, rate) VALUES
    ('kitchen_x', '2017', 0, 0.1),
    ('zz_secret_emc', '2016', 0, 0.31313131),
    ('zz_secret_emc', '2017', 0, 0.31313131),
    ('zz_joint_emc', '2017', 0, 0.2);
SELECT wwva.refresh() \g /dev/null
-- waiting rows of the secret ME (and of xinchu) in the traces
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, user_id, memo) VALUES
    ('zz_secret', '2017-09-09', 'hardware', 'revenue', NULL, 666666.66, 999999077, 'zz_secret pending'),
    ('zz_secret', '2016-09-09', 'ecosystem', 'cost', 'variable', 666666.66, 999999078, 'zz_secret pending'),
    ('xinchu', '2017-09-09', 'hardware', 'revenue', NULL, 1234.00, 42, 'pending');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('zz_secret', 999999099, '2017-09-09 09:09+00', 'transaction'),
    ('xinchu', 42, '2017-09-09 09:09+08', 'transaction');
UPDATE wwva.target SET value = 31415927.53 WHERE me_id = 'zz_secret' AND period_id = '2017';
SQL

# What the analyst must never see: the secret ids (as text and as the hex
# of a bytea), its distinctive values, and every figure of its statement
# and EMCs that no other ME or EMC has.
{
	printf '%s\n' zz_secret zz_joint zz_partner 777777.77 377777.73 277777.72 177777.71 666666.66 \
		31415926.53 31415927.53 0.42424242 4242424.24 0.01231231 9191919.19 1212121.21 13131313.13 \
		14141414.14 8080808.08 0.31313131 999999077 999999078 999999099
	seq 999999001 999999040
	for s in zz_secret zz_joint zz_partner; do printf '%s' "$s" | od -An -tx1 | tr -d ' \n'; echo; done
	owner -c "
WITH secret AS (
    SELECT actual AS v FROM wwva.statement WHERE me_id = 'zz_secret'
    UNION SELECT target FROM wwva.statement WHERE me_id = 'zz_secret'
    UNION SELECT variance FROM wwva.statement WHERE me_id = 'zz_secret'
    UNION SELECT pool FROM wwva.emc_pools WHERE emc_id LIKE 'zz%'
    UNION SELECT value_added FROM wwva.emc_pools WHERE emc_id LIKE 'zz%'
    UNION SELECT share FROM wwva.emc_shares WHERE emc_id LIKE 'zz%'),
known AS (
    SELECT actual AS v FROM wwva.statement WHERE me_id <> 'zz_secret'
    UNION SELECT target FROM wwva.statement WHERE me_id <> 'zz_secret'
    UNION SELECT variance FROM wwva.statement WHERE me_id <> 'zz_secret'
    UNION SELECT pool FROM wwva.emc_pools WHERE emc_id NOT LIKE 'zz%'
    UNION SELECT share FROM wwva.emc_shares WHERE emc_id NOT LIKE 'zz%')
SELECT DISTINCT abs(v)::text FROM secret
 WHERE abs(v) >= 10000 AND length(abs(v)::text) >= 9 AND abs(v) NOT IN (SELECT abs(v) FROM known WHERE v IS NOT NULL)"
} | tr '[:upper:]' '[:lower:]' | sort -u >"$work/secrets"
pending_posting=$(internal_table pending_posting)
pending_event=$(internal_table pending_event)
pending_change=$(internal_table pending_change)
waiting=$(owner -c "SELECT (SELECT count(*) FROM $pending_posting WHERE me_id = 'zz_secret') || ' ' || (SELECT count(*) FROM $pending_event WHERE me_id = 'zz_secret')")
mat_secret=$(owner -c "SELECT count(*) FROM wwva.materialized_statement WHERE me_id = 'zz_secret'")
if [ "$waiting" = "2 1" ] && [ "$mat_secret" -gt 0 ]; then
	ok "setup: xinchu and zz_secret loaded, refreshed ($mat_secret materialized lines of zz_secret); $pending_posting and $pending_event hold 2 and 1 waiting rows of zz_secret; $(wc -l <"$work/secrets") secret strings to look for"
else
	fail "setup: expected materialized lines and 2 + 1 waiting rows of zz_secret, got $mat_secret lines and '$waiting'"
fi

# ---------------------------------------------------------------------------
# 2. The README's recipes, exactly as printed
# ---------------------------------------------------------------------------
# (the blocks marked "run by test/t/115_hostile_roles.sh as ..." in README.md)
bash "$ROOT/test/readme_block.sh" analyst_recipe >"$work/recipe_analyst.sql" ||
	give_up "README.md: no block marked as analyst_recipe (section 7's recipe)"
bash "$ROOT/test/readme_block.sh" loader_recipe >"$work/recipe_loader.sql" ||
	give_up "README.md: no block marked as loader_recipe (the loader recipe of the Security model)"
if ! grep -q '^CREATE ROLE analyst_a' "$work/recipe_analyst.sql" ||
	! grep -q '^GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO analyst_a;$' "$work/recipe_analyst.sql"; then
	give_up "README.md: the block marked as analyst_recipe does not create analyst_a (with GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO analyst_a;)"
fi
if ! grep -q '^CREATE ROLE loader_a' "$work/recipe_loader.sql"; then
	give_up "README.md: the block marked as loader_recipe does not create loader_a"
fi
if owner -f "$work/recipe_analyst.sql" >/dev/null && owner -f "$work/recipe_loader.sql" >/dev/null; then
	ok "README recipes run as printed: section 7 ($(wc -l <"$work/recipe_analyst.sql") lines) and the loader recipe ($(wc -l <"$work/recipe_loader.sql") lines)"
else
	give_up "the README recipes do not run as printed"
fi
# one ME per analyst: a second analyst sees zz_secret and its EMC; analyst_a sees kitchen_x
owner <<SQL
CREATE ROLE $other NOLOGIN;
INSERT INTO public.wwva_me_access VALUES ('$other', 'zz_secret');
INSERT INTO public.wwva_emc_access VALUES ('$other', 'zz_secret_emc'), ('$analyst', 'kitchen_x');
ANALYZE;
SQL

# ---------------------------------------------------------------------------
# 3. The analyst reads every relation it may read
# ---------------------------------------------------------------------------
# sweep ROLE TAG: ROLE reads, in full, every relation (tables, partitioned
# tables, views, materialized views, foreign tables, sequences) it has
# SELECT on in a schema it may use; one check per relation that shows a
# secret, and one for the sweep.
sweep() {
	local role="$1" tag="$2" nrel nrows nerr hits errs
	as_role "$role" "$tag-list" <<'SQL'
SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
   AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
   AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
   AND NOT pg_catalog.pg_is_other_temp_schema(n.oid)
 ORDER BY 1;
SQL
	while read -r rel; do
		printf '\\echo ==MARK %s\n\\warn ==MARK %s\nSELECT pg_catalog.row_to_json(t)::text FROM %s t;\n' "$rel" "$rel" "$rel"
	done <"$work/$tag-list.out" | as_role "$role" "$tag"
	rm -rf "$work/$tag.d"
	split_by_marker "$work/$tag.out" "$work/$tag.d"
	nrel=0
	nrows=0
	nerr=0
	errs=""
	hits=0
	while IFS=$'\x1f' read -r rel rows states found first; do
		nrel=$((nrel + 1))
		nrows=$((nrows + rows))
		if [ -n "$found" ]; then
			fail "$tag: $role reading $rel sees secrets ($found): $first"
			hits=$((hits + 1))
		fi
		if [ -n "$states" ]; then
			nerr=$((nerr + 1))
			errs="$errs $rel($states)"
		fi
	done < <(scan "$work/$tag.out" "$work/$tag.err")
	if [ "$hits" -eq 0 ]; then
		ok "$tag: $role read $nrel relations in $(cut -d. -f1 "$work/$tag-list.out" | sort -u | paste -sd, -) ($nrows rows; $nerr refused:${errs:- none}); no row or error shows the secret ME"
	else
		fail "$tag: $hits of the $nrel relations $role read show the secret ME ($nrows rows; $nerr refused:${errs:- none})"
	fi
}
sweep "$analyst" sweep_before

# what the sweep saw of the analyst's own ME and EMC
rows_of() { if [ -f "$work/sweep_before.d/$1" ]; then wc -l <"$work/sweep_before.d/$1"; else echo absent; fi; }
mine="wwva.ledger=$(rows_of wwva.ledger) wwva.statement=$(rows_of wwva.statement) wwva.materialized_statement=$(rows_of wwva.materialized_statement) wwva.emc_shares=$(rows_of wwva.emc_shares)"
if [ "$(cat "$work"/sweep_before.d/wwva.{ledger,statement,materialized_statement} 2>/dev/null | grep -c '"xinchu"')" -gt 0 ] &&
	[ "$(rows_of wwva.statement)" = "$(rows_of wwva.materialized_statement)" ] &&
	grep -q '"kitchen_x"' "$work/sweep_before.d/wwva.emc_shares"; then
	ok "analyst_a sees its own ME and EMC through the views and the materialized statement ($mine)"
else
	fail "analyst_a should see xinchu's rows and as many materialized lines as live ones, and kitchen_x's shares ($mine)"
fi
# the detector works: the owner reading the same relations sees the secrets
{
	for rel in wwva.ledger wwva.user_event wwva.statement wwva.materialized_statement wwva.emc_shares "$pending_posting"; do
		echo "SELECT pg_catalog.row_to_json(t)::text FROM $rel t;"
	done
} | owner >"$work/owner_reads.out"
found=$(secrets_in "$work/owner_reads.out")
if [ "$(echo "$found" | tr ',' '\n' | grep -c .)" -ge 10 ]; then
	ok "the owner reading the same ledgers, statements, shares and traces finds the secrets ($found)"
else
	fail "the owner should find the secret strings in the ledgers, statements and traces (found: $found)"
fi

# by name: every internal relation and every partition of the ledgers
byname_list() {
	owner -c "
SELECT c.oid::regclass, CASE WHEN c.relispartition THEN 'partition' ELSE 'table' END
  FROM pg_class c
 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
   AND (c.relnamespace::regnamespace::text = 'wwva_internal'
        OR (c.relnamespace = 'wwva'::regnamespace AND c.relname IN ('pending_posting', 'pending_event', 'pending_change',
            'capture_intact', 'materialized_figures', 'refresh_work', 'refresh_run', 'materialized_statement'))
        OR c.oid IN (SELECT relid FROM pg_partition_tree('wwva.ledger') WHERE level > 0
                     UNION SELECT relid FROM pg_partition_tree('wwva.user_event') WHERE level > 0))
 ORDER BY 1" -F ' ' >"$work/byname-list"
}
# by_name TAG: analyst_a reads each relation of $work/byname-list
by_name() {
	local tag="$1" rel kind found states rows first
	byname_list
	while read -r rel kind; do
		printf '\\echo ==MARK %s\n\\warn ==MARK %s\nSELECT pg_catalog.row_to_json(t)::text FROM %s t;\n' "$rel" "$rel" "$rel"
	done <"$work/byname-list" | as_role "$analyst" "$tag"
	rm -rf "$work/$tag.e"
	split_by_marker "$work/$tag.err" "$work/$tag.e"
	while IFS=$'\x1f' read -r rel rows states found first; do
		kind=$(awk -v r="$rel" '$1 == r { print $2 }' "$work/byname-list")
		if [ -n "$found" ]; then
			fail "$tag: analyst_a reads $kind $rel by name and sees secrets ($found; $rows rows): $first"
		elif [ "$states" = 42501 ]; then
			ok "$tag: analyst_a reading $kind $rel by name is refused: $(grep -m1 'ERROR:' "$work/$tag.e/$rel" | sed 's/^.*ERROR:  //')"
		elif [ -n "$states" ]; then
			fail "$tag: analyst_a reading $kind $rel fails with $states, not 42501 (insufficient_privilege)"
		elif [ "$kind" = partition ] && [ "$rows" -ne 0 ]; then
			fail "$tag: analyst_a reads $rows rows of partition $rel directly (row-level security should show none)"
		else
			ok "$tag: analyst_a reads $kind $rel by name: $rows rows, none of the secret ME"
		fi
	done < <(scan "$work/$tag.out" "$work/$tag.err")
}
by_name by_name

# A leaky function of the analyst's own in the query's WHERE clause sees
# only the rows the policies let through (PostgreSQL evaluates the
# policies first): it raises a NOTICE with every row it is shown.
leak_sql() {
	echo "CREATE FUNCTION pg_temp.hostile_leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.00001 AS \$\$ BEGIN RAISE NOTICE 'leak: %', \$1; RETURN true; END \$\$;"
	for rel in "$@"; do
		echo "\\warn ==MARK $rel"
		echo "SELECT count(*) FROM $rel t WHERE pg_temp.hostile_leak(t::text);"
	done
}
leak_rels="wwva.me wwva.ledger wwva.ledger_default wwva.user_event wwva.user_event_default wwva.target wwva.sharing_rule wwva.emc wwva.emc_member wwva.emc_contract wwva.emc_tier wwva.materialized_statement wwva.statement wwva.figures wwva.emc_shares wwva.unassigned"
# shellcheck disable=SC2086
leak_sql $leak_rels | as_role "$analyst" leak
found=$(secrets_in "$work/leak.out" "$work/leak.err")
leaked=$(grep -c 'leak: ' "$work/leak.err" || true)
if [ -z "$found" ] && [ "$leaked" -gt 0 ]; then
	ok "a leaky function of analyst_a's in the WHERE clause of $(echo "$leak_rels" | wc -w) relations is shown $leaked rows, none of the secret ME"
else
	fail "a leaky function of analyst_a's is shown rows of the secret ME ($found; $leaked rows shown): $(grep -i -m1 -F -f "$work/secrets" "$work/leak.err" | cut -c1-300)"
fi

# ---------------------------------------------------------------------------
# 4. The analyst calls every function it may execute
# ---------------------------------------------------------------------------
# One line per call: the function (as regprocedure prints it), a tab, and
# either SQL or "SKIP reason".  @ME@ and @EMC@ and @JOINT@ stand for the
# secret ME, the secret EMC and the joint EMC; each such call runs a second
# time with ids that exist nowhere (zz_nobody, zz_nobody_emc, zz_jnobo_emc),
# and the two runs must print the same, ids aside: nothing may tell an ME
# the caller cannot see from one that does not exist.
cat >"$work/calls.tsv" <<'CALLS'
wwva.statement_items()	SELECT wwva.statement_items();
wwva.period_index(date,date[],date[])	SELECT wwva.period_index(DATE '2016-06-01', b.starts, b.ends) FROM wwva.period_bounds b;
wwva.marginal_cost(numeric,bigint)	SELECT wwva.marginal_cost(583333.33, 3);
wwva.marginal_income(numeric,numeric,bigint)	SELECT wwva.marginal_income(21360000, 583333.33, 3);
wwva.sharing_amount(numeric,numeric,numeric,numeric)	SELECT wwva.sharing_amount(1000, 0.1, NULL, NULL);
wwva.sharing_base(text,numeric,numeric,numeric)	SELECT wwva.sharing_base('excess_over_target', 100, 100, NULL);
wwva.sharing_payout(text,numeric,numeric,numeric,numeric,numeric,numeric,integer)	SELECT wwva.sharing_payout('excess_over_target', 0.25, NULL, 40, 100, 100, 50, 2);
wwva.pair_figures(numeric,numeric,numeric,numeric,numeric,numeric,bigint,bigint,bigint,bigint,integer,text,numeric,numeric,numeric,text,numeric,numeric,numeric,text,numeric,numeric,numeric,numeric)	SELECT (wwva.pair_figures(100, 50, 20, 10, 5, 1, 3, 2, 1, 0, 2, 'total_profit', 0.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)).*;
wwva.rule_share(wwva.sharing_rule,numeric,numeric,numeric)	SELECT r.me_id, r.party, wwva.rule_share(r, 1000, 1000, NULL) FROM wwva.sharing_rule r ORDER BY 1, 2;
wwva.rule_share(wwva.sharing_rule,numeric,numeric,numeric)	SELECT wwva.rule_share(ROW('@ME@', 'investors', 'ecosystem_profit', 0.5, NULL, NULL)::wwva.sharing_rule, 1000, 1000, NULL);
wwva.make_calendar(text[],text[],integer[],integer[],date[],date[])	SELECT wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends) IS NOT NULL FROM wwva.period_bounds b;
wwva.make_calendar(text[],text[],integer[],integer[],date[],date[])	SELECT wwva.event_period('@ME@', TIMESTAMPTZ '2016-06-01 12:00+00', wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends)) FROM wwva.period_bounds b;
wwva.make_calendar(text[],text[],integer[],integer[],date[],date[],integer[])	SELECT wwva.event_period('@ME@', TIMESTAMPTZ '2016-06-01 12:00+00', wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends, ARRAY[[1, 1, 1, 0, 1]])) FROM wwva.period_bounds b;
wwva.current_calendar()	SELECT wwva.current_calendar();
wwva.event_period(text,timestamp with time zone,wwva.calendar)	SELECT wwva.event_period('@ME@', TIMESTAMPTZ '2016-06-01 12:00+00', wwva.current_calendar());
wwva.event_period(text,timestamp with time zone,wwva.calendar)	SELECT wwva.event_period('xinchu', TIMESTAMPTZ '2016-06-01 12:00+00', wwva.current_calendar());
wwva.ledger_totals(text,text,text,numeric)	SELECT me_id, wwva.ledger_totals(stream, kind, behavior, amount) FROM wwva.ledger GROUP BY me_id ORDER BY 1;
wwva.ledger_totals(text,text,text,numeric)	SELECT wwva.ledger_totals(stream, kind, behavior, amount) FROM wwva.ledger_default;
wwva.ledger_totals(text,text,text,numeric)	SELECT wwva.ledger_totals(stream, kind, behavior, amount) FROM wwva.ledger WHERE me_id = '@ME@';
wwva.user_resource_counts(bigint,text,integer,integer,integer)	SELECT e.me_id, wwva.user_resource_counts(e.user_id, e.kind, wwva.period_index((e.occurred_at AT TIME ZONE m.timezone)::date, b.starts, b.ends), m.active_min_transactions, m.lifetime_periods) FROM wwva.user_event e JOIN wwva.me m ON m.me_id = e.me_id CROSS JOIN wwva.period_bounds b GROUP BY e.me_id ORDER BY 1;
wwva.user_resource_counts(bigint,text,integer,integer,integer)	SELECT wwva.user_resource_counts(e.user_id, e.kind, 1, 1, 2) FROM wwva.user_event_default e;
wwva.user_resource_counts(text,bigint,text,timestamp with time zone,wwva.calendar)	SELECT wwva.user_resource_counts(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) FROM wwva.user_event;
wwva.user_resource_counts(text,bigint,text,timestamp with time zone,wwva.calendar)	SELECT wwva.user_resource_counts(me_id, user_id, kind, occurred_at, (SELECT wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends) FROM wwva.period_bounds b)) FROM wwva.user_event;
wwva.ledger_totals(text,date,text,text,text,numeric,wwva.calendar)	SELECT wwva.ledger_totals(me_id, booked_on, stream, kind, behavior, amount, (SELECT wwva.current_calendar())) FROM wwva.ledger;
wwva.ledger_totals(text,date,text,text,text,numeric,wwva.calendar)	SELECT wwva.ledger_totals(me_id, booked_on, stream, kind, behavior, amount, (SELECT wwva.current_calendar())) FROM wwva.ledger_default;
wwva.ledger_totals(text,date,text,text,text,numeric,wwva.calendar)	SELECT wwva.ledger_totals(me_id, booked_on, stream, kind, behavior, amount, (SELECT wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends) FROM wwva.period_bounds b)) FROM wwva.ledger;
wwva.ledger_totals_by_period(text,date,text,text,text,numeric,wwva.calendar)	SELECT me_id, wwva.ledger_totals_by_period(me_id, booked_on, stream, kind, behavior, amount, (SELECT wwva.current_calendar())) FROM wwva.ledger GROUP BY me_id ORDER BY 1;
wwva.user_resource_counts_by_period(text,bigint,text,timestamp with time zone,wwva.calendar)	SELECT me_id, wwva.user_resource_counts_by_period(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) FROM wwva.user_event GROUP BY me_id ORDER BY 1;
wwva.figures_of(wwva.me_ledger_totals[],wwva.me_user_resource_counts[],text[],integer[])	SELECT * FROM wwva.figures_of(ARRAY[ROW('@ME@', 1, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals, ROW('@ME@', 2, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals], ARRAY[ROW('@ME@', 1, 1, 1, 1, 1)::wwva.me_user_resource_counts], ARRAY['@ME@', '@ME@'], ARRAY[1, 2]);
wwva.figures_of(wwva.me_ledger_totals[],wwva.me_user_resource_counts[],text[],integer[])	SELECT * FROM wwva.figures_of(ARRAY[ROW('@ME@', 1, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals], ARRAY[ROW('@ME@', 1, 1, 1, 1, 1)::wwva.me_user_resource_counts], NULL, NULL) ORDER BY 1, 2;
wwva.statement_of(wwva.me_ledger_totals[],wwva.me_user_resource_counts[],text[],integer[])	SELECT * FROM wwva.statement_of(ARRAY[ROW('@ME@', 1, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals, ROW('@ME@', 2, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals], ARRAY[ROW('@ME@', 1, 1, 1, 1, 1)::wwva.me_user_resource_counts], ARRAY['@ME@', '@ME@'], ARRAY[1, 2]);
wwva.statement_of(wwva.me_ledger_totals[],wwva.me_user_resource_counts[],text[],integer[])	SELECT * FROM wwva.statement_of(ARRAY[ROW('@ME@', 1, 1, 1, 1, 1, 1, 1)::wwva.me_ledger_totals], NULL, NULL, NULL) ORDER BY 1, 2, line_no;
wwva.emc_check(text)	SELECT wwva.emc_check('@EMC@');
wwva.emc_check(text)	SELECT wwva.emc_check('@JOINT@');
wwva.emc_check(text)	SELECT wwva.emc_check('kitchen_x');
wwva.share_pool(numeric,numeric,numeric[],numeric[],numeric,numeric)	SELECT wwva.share_pool(200, 100, '{100,150}', '{0.20,0.50}', 0, NULL);
wwva.allocate(numeric,numeric[],numeric[],numeric[],integer)	SELECT wwva.allocate(100.00, '{1,1,1}', NULL, NULL);
wwva.split(text,numeric,numeric,numeric,numeric,integer)	SELECT emc_id, wwva.split(member_id, weight, lower_limit, upper_limit, 1000, 2) FROM wwva.emc_member GROUP BY emc_id ORDER BY 1;
wwva.split(text,numeric,numeric,numeric,numeric,integer)	SELECT wwva.split(member_id, weight, lower_limit, upper_limit, 1000, 2) FROM wwva.emc_member WHERE emc_id = '@EMC@';
wwva.user_resource_state(text,bigint,text,timestamp with time zone,wwva.calendar)	SELECT wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) FROM wwva.user_event;
wwva.user_resource_state(text,bigint,text,timestamp with time zone,wwva.calendar)	SELECT wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) FROM wwva.user_event_default;
wwva.user_resource_state(bytea)	SELECT wwva.user_resource_state(s) FROM (SELECT wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) AS s FROM wwva.user_event GROUP BY me_id) x;
wwva.user_resource_state_counts(bytea)	SELECT wwva.user_resource_state_counts(wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar()))) FROM wwva.user_event;
wwva.user_resource_state_counts(bytea)	SELECT wwva.user_resource_state_counts(wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.make_calendar(ARRAY['xinchu', '@ME@'], ARRAY['UTC', 'UTC'], ARRAY[1, 1], ARRAY[2, 2], b.starts, b.ends) FROM wwva.period_bounds b))) FROM wwva.user_event;
wwva.user_resource_state_pairs(bytea)	SELECT p.me_id, p.period_no, length(p.users) FROM (SELECT wwva.user_resource_state(me_id, user_id, kind, occurred_at, (SELECT wwva.current_calendar())) AS s FROM wwva.user_event) x, wwva.user_resource_state_pairs(x.s) p;
wwva.grant_reader(regrole)	SELECT wwva.grant_reader('analyst_a');
wwva.grant_loader(regrole)	SELECT wwva.grant_loader('analyst_a');
wwva.revoke_reader(regrole)	SELECT wwva.revoke_reader('analyst_a');
wwva.revoke_loader(regrole)	SELECT wwva.revoke_loader('loader_a');
wwva.refresh(integer)	SELECT wwva.refresh();
wwva_internal.matrix_row(anyarray,integer)	SELECT wwva_internal.matrix_row(ARRAY[[1, 2], [3, 4]]::numeric[], 3);
wwva_internal.matrix_row(anyarray,integer)	SELECT me_id, period_id, total_revenue, active_users FROM wwva.figures WHERE me_id = '@ME@';
wwva.refresh(integer)	SELECT wwva.refresh(1);
wwva_internal.slice_day(integer,boolean,text[],text[],text[],text[])	SELECT wwva_internal.slice_day(0, false, NULL, NULL, NULL, NULL);
wwva_internal.slice_day(integer,boolean,text[],text[],text[],text[])	SELECT me_id, period_id, total_revenue, active_users FROM wwva.figures WHERE period_id = (SELECT min(period_id) FROM wwva.period) AND me_id IN ('@ME@', 'xinchu') ORDER BY 1, 2;
wwva_internal.slice_instant(integer,date)	SELECT wwva_internal.slice_instant(0, DATE '2016-01-01');
wwva_internal.slice_instant(integer,date)	SELECT me_id, period_id, to_date_of, item, actual FROM wwva.statement_to_date WHERE to_date_of IN (SELECT period_id FROM wwva.period) AND me_id = '@ME@' ORDER BY 1, 2, 3, line_no;
wwva_internal.slice_mes()	SELECT wwva_internal.slice_mes();
wwva_internal.currency_in_use(text)	SELECT m.me_id, wwva_internal.currency_in_use(m.currency) FROM wwva.me m ORDER BY 1;
wwva_internal.currency_in_use(text)	SELECT code, minor_unit FROM wwva.currency WHERE NOT shipped ORDER BY 1;
wwva_internal.shards_hold_me(text)	SELECT wwva_internal.shards_hold_me('@ME@');
wwva_internal.visible_mes()	SELECT * FROM wwva_internal.visible_mes() ORDER BY 1;
wwva_internal.visible_emcs()	SELECT * FROM wwva_internal.visible_emcs() ORDER BY 1;
wwva_internal.me_visible(text)	SELECT wwva_internal.me_visible('@ME@');
wwva_internal.me_visible(text)	SELECT me_id, period_id, version FROM wwva.closed_period ORDER BY 1, 2;
wwva_internal.visible_emcs()	SELECT emc_id, period_id, version, member_label, share FROM wwva.published_emc_shares ORDER BY 1, 2, 3, 4;
wwva.reverse_entry(bigint,date,text)	SELECT wwva.reverse_entry(e.entry_id, DATE '2016-07-01', 'hostile') FROM wwva.ledger e WHERE e.me_id = '@ME@';
wwva.reverse_entry(bigint,date,text)	SELECT wwva.reverse_entry(1, DATE '2016-07-01', 'hostile');
wwva_internal.visible_mes()	SELECT me_id, period_id, line_no, actual FROM wwva.materialized_statement WHERE me_id = '@ME@';
wwva_internal.slice_mes()	SELECT me_id, period_id, active_users FROM wwva.user_resources WHERE calendar = 'default' ORDER BY 1, 2;
CALLS

as_role "$analyst" functions <<'SQL'
SELECT p.oid::regprocedure::text || E'\t' ||
       CASE WHEN p.prorettype IN ('pg_catalog.trigger'::regtype, 'pg_catalog.event_trigger'::regtype) THEN 'trigger'
            WHEN EXISTS (SELECT FROM pg_catalog.pg_aggregate a
                          WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)) THEN 'support'
            ELSE 'callable' END
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname IN ('wwva', 'wwva_internal')
   AND pg_catalog.has_function_privilege(p.oid, 'EXECUTE')
 ORDER BY 1;
SQL
nfun=$(grep -c . "$work/functions.out" || true)
: >"$work/calls_secret.sql"
: >"$work/calls_nobody.sql"
ncall=0
nskip=0
unlisted=""
while IFS=$'\t' read -r fn kind; do
	case "$kind" in
	trigger)
		echo "# skipped: $fn: a trigger function (attached to a table of analyst_a's own in step 5)"
		nskip=$((nskip + 1))
		continue
		;;
	support)
		echo "# skipped: $fn: an aggregate support function (internal arguments; step 5)"
		nskip=$((nskip + 1))
		continue
		;;
	esac
	if ! grep -q -F "$fn	" "$work/calls.tsv"; then
		unlisted="$unlisted $fn"
		continue
	fi
	while IFS=$'\t' read -r cfn sql; do
		[ "$cfn" = "$fn" ] || continue
		case "$sql" in
		SKIP*)
			echo "# skipped: $fn: ${sql#SKIP }"
			nskip=$((nskip + 1))
			continue
			;;
		esac
		ncall=$((ncall + 1))
		printf '\\echo ==MARK %s\n\\warn ==MARK %s\n%s\n' "$ncall" "$ncall" "$sql" |
			sed "s/@ME@/zz_secret/g; s/@EMC@/zz_secret_emc/g; s/@JOINT@/zz_joint_emc/g" >>"$work/calls_secret.sql"
		printf '\\echo ==MARK %s\n\\warn ==MARK %s\n%s\n' "$ncall" "$ncall" "$sql" |
			sed "s/@ME@/zz_nobody/g; s/@EMC@/zz_nobody_emc/g; s/@JOINT@/zz_jnobo_emc/g" >>"$work/calls_nobody.sql"
		printf '%s\t%s\n' "$ncall" "$fn" >>"$work/calls_index"
	done <"$work/calls.tsv"
done <"$work/functions.out"
if [ -n "$unlisted" ]; then
	fail "functions analyst_a may execute that this test neither calls nor skips:$unlisted"
fi
as_role "$analyst" calls_secret <"$work/calls_secret.sql"
as_role "$analyst" calls_nobody <"$work/calls_nobody.sql"
for v in secret nobody; do
	split_by_marker "$work/calls_$v.out" "$work/calls_$v.d"
	split_by_marker "$work/calls_$v.err" "$work/calls_$v.e"
done
# the ids a call names itself are echoed back, not learnt; so are psql's
# line numbers and the ids the identity sequences gave the refused rows
normalize() {
	sed -E 's/zz_secret/<ME>/g; s/zz_nobody/<ME>/g; s/zz_joint_emc/<JOINT>/g; s/zz_jnobo_emc/<JOINT>/g;
	        s/^psql:<stdin>:[0-9]+: //; s/(entry|user_event) [0-9]+ /\1 <id> /g' "$@"
}
bad_calls=0
while IFS=$'\t' read -r k fn; do
	sql=$(sed -n '3p' <(sed -n "/^\\\\echo ==MARK $k\$/,+2p" "$work/calls_secret.sql"))
	cat "$work/calls_secret.d/$k" "$work/calls_secret.e/$k" >"$work/call_$k.secret" 2>/dev/null || true
	cat "$work/calls_nobody.d/$k" "$work/calls_nobody.e/$k" >"$work/call_$k.nobody" 2>/dev/null || true
	found=$(normalize "$work/call_$k.secret" | secrets_in /dev/stdin)
	if [ -n "$found" ]; then
		fail "$fn: analyst_a's call shows secrets ($found): $sql => $(normalize "$work/call_$k.secret" | grep -i -m1 -F -f "$work/secrets" | cut -c1-300)"
		bad_calls=$((bad_calls + 1))
	elif ! diff -q <(normalize "$work/call_$k.secret") <(normalize "$work/call_$k.nobody") >/dev/null; then
		fail "$fn: analyst_a tells the secret ME or EMC from one that does not exist: $sql => $(diff <(normalize "$work/call_$k.secret") <(normalize "$work/call_$k.nobody") | head -4 | tr '\n' ' ' | cut -c1-400)"
		bad_calls=$((bad_calls + 1))
	fi
done <"$work/calls_index"
refresh_err=$(grep -m1 'ERROR:' "$work/calls_secret.e/$(awk -F'\t' '$2 == "wwva.refresh(integer)" { print $1; exit }' "$work/calls_index")" 2>/dev/null || true)
if [ "$bad_calls" -eq 0 ]; then
	ok "analyst_a may execute $nfun functions of wwva and wwva_internal: $ncall calls made (with forged ME and EMC ids, compared with ids that exist nowhere), $nskip skipped with a reason; no result or error shows the secret ME or tells it from a missing one"
else
	fail "$bad_calls of $ncall function calls by analyst_a show or betray the secret ME"
fi
if [ -n "$refresh_err" ] && grep -q 'xinchu' "$work"/calls_secret.d/* 2>/dev/null; then
	ok "the calls see analyst_a's own ME; wwva.refresh() is refused: ${refresh_err#*ERROR:  }"
else
	fail "expected the calls to show xinchu and wwva.refresh() to be refused to analyst_a (refresh: '${refresh_err:-it ran}')"
fi

# ---------------------------------------------------------------------------
# 5. No trigger or aggregate support function of wwva is the analyst's
# ---------------------------------------------------------------------------
owner -F $'\t' -c "
SELECT p.oid::regprocedure, CASE WHEN p.prorettype = 'trigger'::regtype THEN 'trigger' ELSE 'support' END,
       p.oid, pg_get_function_identity_arguments(p.oid)
  FROM pg_proc p
 WHERE p.oid IN (SELECT objid FROM pg_depend
                  WHERE classid = 'pg_proc'::regclass AND deptype = 'e'
                    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wwva'))
   AND (p.prorettype = 'trigger'::regtype
        OR EXISTS (SELECT FROM pg_aggregate a
                    WHERE p.oid IN (a.aggtransfn, a.aggfinalfn, a.aggcombinefn, a.aggserialfn, a.aggdeserialfn)))
 ORDER BY 2 DESC, 1" >"$work/guarded"
{
	echo "CREATE TEMP TABLE hostile_t (entry_id bigint, event_id bigint, me_id text, booked_on date, stream text, kind text,
	    behavior text, amount numeric, category text, user_id bigint, partner_id text, memo text, occurred_at timestamptz,
	    period_id text, starts_on date, ends_on date, item text, value numeric, party text, base text, rate numeric,
	    floor numeric, cap numeric, emc_id text, name text, leader_me_id text, member_id text, weight numeric,
	    lower_limit numeric, upper_limit numeric, leading_target numeric, pool_floor numeric, pool_cap numeric,
	    value_added numeric, share_scale integer, threshold numeric, timezone text, currency text,
	    active_min_transactions integer, lifetime_periods integer);"
	n=0
	while IFS=$'\t' read -r fn kind oid args; do
		n=$((n + 1))
		echo "\\warn ==MARK $n"
		echo "\\unset executable"
		echo "SELECT pg_catalog.has_function_privilege($oid, 'EXECUTE') AS executable \\gset"
		echo "\\warn executable :executable"
		if [ "$kind" = trigger ]; then
			echo "CREATE TRIGGER hostile_$n AFTER INSERT ON hostile_t FOR EACH ROW EXECUTE FUNCTION ${fn%%(*}();"
			echo "CREATE TRIGGER hostile_s$n AFTER INSERT ON hostile_t REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${fn%%(*}();"
		else
			# a direct call, NULL for every argument
			echo "SELECT ${fn%%(*}($(echo "$args" | awk -F', ' '{ for (i = 1; i <= NF; i++) printf "%sNULL::%s", (i > 1 ? ", " : ""), $i }'));"
		fi
	done <"$work/guarded"
} | as_role "$analyst" guarded
split_by_marker "$work/guarded.err" "$work/guarded.e"
n=0
ntrig=0
nsupport=0
while IFS=$'\t' read -r fn kind oid args; do
	n=$((n + 1))
	f="$work/guarded.e/$n"
	states=$(sqlstates "$f")
	if [ "$kind" = trigger ]; then
		ntrig=$((ntrig + 1))
		if grep -q '^executable f' "$f" && [ "$states" = 42501 ] && [ "$(grep -c 'ERROR:  42501' "$f")" = 2 ]; then
			ok "analyst_a cannot attach trigger function $fn to a table of its own: $(grep -m1 'ERROR:' "$f" | sed 's/^.*ERROR:  42501: //')"
		else
			fail "analyst_a attaches trigger function $fn to a table of its own ($(grep -m1 '^executable' "$f"); errors: ${states:-none}, want 42501 for both CREATE TRIGGER)"
		fi
	else
		nsupport=$((nsupport + 1))
		if grep -q '^executable f' "$f" && { [ "$states" = 42501 ] || grep -q 'ERROR:  42846: cannot cast type unknown to internal' "$f"; }; then
			ok "analyst_a cannot execute aggregate support function $fn ($(grep -m1 'ERROR:' "$f" | sed 's/^.*ERROR:  //'))"
		else
			fail "aggregate support function $fn is executable by analyst_a ($(grep -m1 '^executable' "$f"); ${states:-no error})"
		fi
	fi
done <"$work/guarded"
echo "# $ntrig trigger functions and $nsupport aggregate support functions attacked"

# ---------------------------------------------------------------------------
# 6. The loader
# ---------------------------------------------------------------------------
before_ledger=$(owner -c "SELECT count(*) FROM wwva.ledger")
as_role "$loader" loader <<SQL
\\warn ==MARK forge_posting
INSERT INTO $pending_posting (me_id, booked_on, stream, kind, amount) VALUES ('xinchu', '2017-03-03', 'hardware', 'revenue', 1000000);
\\warn ==MARK forge_event
INSERT INTO $pending_event (me_id, user_id, occurred_at, kind) VALUES ('xinchu', 4242, '2017-03-03 10:00+08', 'transaction');
\\warn ==MARK forge_change
INSERT INTO $pending_change (me_id, rebuild, source) VALUES ('xinchu', true, 'ledger');
\\warn ==MARK partition
INSERT INTO wwva.ledger_default (me_id, booked_on, stream, kind, amount) VALUES ('xinchu', '2017-03-03', 'hardware', 'revenue', 10);
\\warn ==MARK secret_posting
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('zz_secret', '2017-03-03', 'hardware', 'revenue', 10);
\\warn ==MARK nobody_posting
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('zz_nobody', '2017-03-03', 'hardware', 'revenue', 10);
\\warn ==MARK secret_event
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('zz_secret', 5, '2017-03-03 10:00+08', 'transaction');
\\warn ==MARK nobody_event
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('zz_nobody', 5, '2017-03-03 10:00+08', 'transaction');
\\warn ==MARK refresh
SELECT wwva.refresh();
\\warn ==MARK shadow
-- temp tables named like the capture triggers' transition tables, full of forged rows
CREATE TEMP TABLE new_rows AS
SELECT 'xinchu'::text AS me_id, DATE '2017-03-03' AS booked_on, 'hardware'::text AS stream, 'revenue'::text AS kind,
       NULL::text AS behavior, 99999999::numeric AS amount, 4242::bigint AS user_id,
       TIMESTAMPTZ '2017-03-03 10:00+08' AS occurred_at, 'transaction'::text AS event_kind;
CREATE TEMP TABLE old_rows AS SELECT * FROM new_rows;
\\warn ==MARK own_rows
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount, memo) VALUES
    ('xinchu', '2017-04-30', 'hardware', 'revenue', NULL, 22000000.00, 'April sales, by loader_a'),
    ('xinchu', '2017-04-30', 'hardware', 'cost', 'variable', 600000.00, NULL),
    ('xinchu', '2016-04-30', 'ecosystem', 'revenue', NULL, 5555.55, NULL);
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES
    ('xinchu', 501, '2017-04-02 10:00+08', 'transaction'),
    ('xinchu', 501, '2017-04-03 10:00+08', 'co_creation'),
    ('xinchu', 502, '2017-04-04 10:00+08', 'interaction'),
    ('xinchu', 502, '2017-04-05 10:00+08', 'transaction');
\\warn ==MARK copy
COPY wwva.user_event (me_id, user_id, occurred_at, kind) FROM STDIN;
xinchu	503	2017-04-04 10:00:00+08	interaction
xinchu	503	2017-04-05 10:00:00+08	transaction
\\.
SQL
split_by_marker "$work/loader.err" "$work/loader.e"
for forge in forge_posting forge_event forge_change; do
	states=$(sqlstates "$work/loader.e/$forge")
	if [ "$states" = 42501 ]; then
		ok "loader_a cannot forge a change trace ($forge): $(grep -m1 'ERROR:' "$work/loader.e/$forge" | sed 's/^.*ERROR:  42501: //')"
	else
		fail "loader_a writes a forged change trace ($forge; errors: ${states:-none, the row was written})"
	fi
done
states=$(sqlstates "$work/loader.e/refresh")
if [ "$states" = 42501 ]; then
	ok "loader_a cannot run wwva.refresh(): $(grep -m1 'ERROR:' "$work/loader.e/refresh" | sed 's/^.*ERROR:  42501: //')"
else
	fail "loader_a runs wwva.refresh() (${states:-no error})"
fi
if [ -n "$(sqlstates "$work/loader.e/shadow")" ]; then
	fail "loader_a could not create its temp tables new_rows and old_rows: $(grep -m1 ERROR "$work/loader.e/shadow")"
fi
states=$(sqlstates "$work/loader.e/partition")
if [ "$states" = 42501 ]; then ok "loader_a cannot write wwva.ledger_default directly"; else fail "loader_a writes wwva.ledger_default directly (${states:-no error})"; fi
for t in posting event; do
	states=$(sqlstates "$work/loader.e/secret_$t")
	found=$(normalize "$work/loader.e/secret_$t" | secrets_in /dev/stdin)
	if [ -z "$states" ]; then
		fail "loader_a writes a $t of the secret ME"
	elif [ -n "$found" ]; then
		fail "loader_a's refused $t of the secret ME shows secrets ($found)"
	elif ! diff -q <(normalize "$work/loader.e/secret_$t") <(normalize "$work/loader.e/nobody_$t") >/dev/null; then
		fail "loader_a tells the secret ME from a missing one by writing a $t: $(diff <(normalize "$work/loader.e/secret_$t") <(normalize "$work/loader.e/nobody_$t") | grep ERROR | tr '\n' ' ' | cut -c1-400)"
	else
		ok "loader_a cannot write a $t of the secret ME, and is told what it would be told of an ME that does not exist ($states: $(grep -m1 'ERROR:' "$work/loader.e/secret_$t" | sed 's/^.*ERROR:  [0-9A-Z]*: //' | cut -c1-160))"
	fi
done
states=$(sqlstates "$work/loader.e/own_rows")
after_ledger=$(owner -c "SELECT count(*) FROM wwva.ledger")
own_traces=$(owner -c "SELECT (SELECT count(*) FROM $pending_posting WHERE me_id = 'xinchu' AND booked_on = '2017-04-30') || ' ' || (SELECT count(*) FROM $pending_event WHERE user_id IN (501, 502)) || ' ' || ((SELECT count(*) FROM $pending_posting WHERE amount = 99999999) + (SELECT count(*) FROM $pending_event WHERE user_id = 4242))")
if [ -z "$states" ] && [ $((after_ledger - before_ledger)) = 3 ] && [ "$own_traces" = "2 4 0" ]; then
	ok "loader_a writes xinchu's postings and events, and the capture triggers record them (not the forged rows of its temp tables new_rows and old_rows) for the next refresh"
else
	fail "loader_a's own rows: errors ${states:-none}, $((after_ledger - before_ledger)) postings added (want 3), traces '$own_traces' (want '2 4 0': its postings, its events, no forged row): $(grep -m1 ERROR "$work/loader.e/own_rows")"
fi
# README section 2 calls COPY the fast path for bulk loads; PostgreSQL
# refuses COPY FROM into a table with row-level security to a role it applies to
if grep -q 'ERROR:' "$work/loader.e/copy"; then
	echo "# note: loader_a's COPY wwva.user_event FROM STDIN is refused: $(grep -m1 'ERROR:' "$work/loader.e/copy" | sed 's/^.*ERROR:  //')"
else
	echo "# note: loader_a's COPY wwva.user_event FROM STDIN works"
fi
if owner -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" >/dev/null &&
	(cd "$ROOT/test/refresh" && owner -f stale_lines.sql) >"$work/stale.out" 2>&1; then
	ok "after the owner's refresh wwva.materialized_statement equals wwva.statement line for line ($(sed -n 's/.*NOTICE:  //p' "$work/stale.out"))"
else
	fail "after the loader's attacks and the owner's refresh, the materialized statement differs from wwva.statement: $(tr '\n' ' ' <"$work/stale.out")"
fi

# ---------------------------------------------------------------------------
# 7. A trace of an ME that is not in wwva.me (a restore that skipped triggers)
# ---------------------------------------------------------------------------
owner <<SQL
INSERT INTO $pending_event (me_id, user_id, occurred_at, kind) VALUES ('zz_ghost', 1, '2017-02-02 02:02+00', 'transaction');
INSERT INTO $pending_posting (me_id, booked_on, stream, kind, amount) VALUES ('zz_ghost', '2017-02-02', 'hardware', 'revenue', 1);
SQL
if owner -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" >"$work/ghost.out" 2>&1 &&
	[ "$(owner -c "SELECT (SELECT count(*) FROM $pending_event) + (SELECT count(*) FROM $pending_posting)")" = 0 ] &&
	[ "$(owner -c "SELECT count(*) FROM wwva.materialized_statement WHERE me_id = 'zz_ghost'")" = 0 ] &&
	(cd "$ROOT/test/refresh" && owner -f stale_lines.sql) >"$work/stale.out" 2>&1; then
	ok "a trace of an unknown ME does not stop the refresh, which consumes it without effect ($(sed -n 's/.*NOTICE:  //p' "$work/stale.out"))"
else
	fail "a trace of an unknown ME: $(tr '\n' ' ' <"$work/ghost.out" | cut -c1-300) $(tr '\n' ' ' <"$work/stale.out" | cut -c1-300)"
fi

# ---------------------------------------------------------------------------
# 8. Partitions a DBA adds later
# ---------------------------------------------------------------------------
printf '%s\n' zz_new zz_att zz_sub zz_sch 555555.55 444444.44 333333.33 222222.22 999999555 >>"$work/secrets"
owner <<'SQL'
SET client_min_messages = warning;
INSERT INTO wwva.me (me_id, timezone) VALUES ('zz_new', 'UTC'), ('zz_att', 'UTC'), ('zz_sub', 'UTC'), ('zz_sch', 'UTC');
CREATE TABLE wwva.ledger_zz PARTITION OF wwva.ledger FOR VALUES IN ('zz_new');
CREATE TABLE wwva.user_event_zz PARTITION OF wwva.user_event FOR VALUES IN ('zz_new');
CREATE TABLE wwva.ledger_zz_tree PARTITION OF wwva.ledger FOR VALUES IN ('zz_sub') PARTITION BY RANGE (booked_on);
CREATE TABLE wwva.ledger_zz_leaf PARTITION OF wwva.ledger_zz_tree FOR VALUES FROM ('2016-01-01') TO ('2018-01-01');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES
    ('zz_new', '2016-06-06', 'hardware', 'revenue', 555555.55), ('zz_new', '2017-06-06', 'hardware', 'revenue', 555555.55),
    ('zz_sub', '2017-06-06', 'hardware', 'revenue', 333333.33);
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind) VALUES ('zz_new', 999999555, '2017-06-06 06:06+00', 'transaction');
CREATE TABLE wwva.ledger_zz2 (LIKE wwva.ledger INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
INSERT INTO wwva.ledger_zz2 (entry_id, me_id, booked_on, stream, kind, amount)
VALUES (nextval(pg_get_serial_sequence('wwva.ledger', 'entry_id')), 'zz_att', '2017-07-07', 'hardware', 'revenue', 444444.44);
ALTER TABLE wwva.ledger ATTACH PARTITION wwva.ledger_zz2 FOR VALUES IN ('zz_att');
-- a partition in a schema of its own, created with the schema (the last
-- DDL here: the event trigger fixes every partition it finds whenever it runs)
CREATE SCHEMA wwva_hostile_s
    CREATE TABLE ledger_zz3 PARTITION OF wwva.ledger FOR VALUES IN ('zz_sch');
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('zz_sch', '2017-08-08', 'hardware', 'revenue', 222222.22);
-- what the README promises makes a grant on a partition harmless
GRANT USAGE ON SCHEMA wwva_hostile_s TO analyst_a;
GRANT SELECT ON ALL TABLES IN SCHEMA wwva_hostile_s TO analyst_a;
ANALYZE;
SQL
# the recipe's grant, as printed, again after the new tables
grant_line=$(grep -m1 '^GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO analyst_a;$' "$work/recipe_analyst.sql")
owner -c "$grant_line"
new_parts="wwva.ledger_zz wwva.user_event_zz wwva.ledger_zz2 wwva.ledger_zz_tree wwva.ledger_zz_leaf wwva_hostile_s.ledger_zz3"
# partition_checks TAG: row-level security on, the owner sees rows, analyst_a none
partition_checks() {
	local tag="$1" rel rls owner_rows
	for rel in $new_parts; do
		printf '\\echo ==MARK %s\n\\warn ==MARK %s\nSELECT count(*) FROM %s;\n' "$rel" "$rel" "$rel"
	done | as_role "$analyst" "$tag"
	rm -rf "$work/$tag.d" "$work/$tag.e"
	split_by_marker "$work/$tag.out" "$work/$tag.d"
	split_by_marker "$work/$tag.err" "$work/$tag.e"
	for rel in $new_parts; do
		rls=$(owner -c "SELECT relrowsecurity FROM pg_class WHERE oid = '$rel'::regclass")
		owner_rows=$(owner -c "SELECT count(*) FROM $rel")
		seen=$(cat "$work/$tag.d/$rel" 2>/dev/null || true)
		if [ "$rls" = t ] && [ "$owner_rows" -gt 0 ] && { [ "$seen" = 0 ] || [ "$(sqlstates "$work/$tag.e/$rel")" = 42501 ]; }; then
			ok "$tag: $rel has row-level security; the owner reads $owner_rows rows, analyst_a ${seen:-is refused}"
		else
			fail "$tag: $rel: relrowsecurity $rls, the owner reads $owner_rows rows, analyst_a reads '${seen}' $(grep -m1 ERROR "$work/$tag.e/$rel")"
		fi
	done
}
partition_checks new_partitions
for rel in $new_parts; do owner -c "ALTER TABLE $rel DISABLE ROW LEVEL SECURITY"; done
partition_checks disabled_again

# what PostgreSQL's own catalog tells anyone: the ME id in a partition bound
bound=$(as_role "$analyst" bound <<'SQL' && cat "$work/bound.out"
SELECT pg_catalog.pg_get_expr(c.relpartbound, c.oid) FROM pg_catalog.pg_class c WHERE c.relname = 'ledger_zz';
SQL
)
echo "# note: pg_class is readable by every role, so the bound of a partition of its own names its ME to anyone: analyst_a reads wwva.ledger_zz's bound as \"$bound\""

# the analyst's sweep once more, now with the new partitions, the loader's
# rows and the refreshes; and the loader's
sweep "$analyst" sweep_after
sweep "$loader" sweep_loader
by_name by_name_after

secs=$(($(date +%s) - started))
echo "# $secs s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
