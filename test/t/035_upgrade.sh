#!/usr/bin/env bash
# ALTER EXTENSION wwva UPDATE from every released version (the list below)
# gives the same extension as a fresh install of the current version: the
# same member objects, the same view definitions and options, the same
# tables (partitioning, constraints, indexes, triggers, identities,
# comments), and
# the same statement over the data loaded before the upgrade.  Since 0.5.0
# the ledgers are partitioned: a grant, row-level security and a policy
# set on the old wwva.ledger still guard it after the upgrade, and new
# rows get ids after the old ones.  Since 0.6.0 the privileges are part of
# what must match (table and function ACLs, row-level security, policies,
# SECURITY DEFINER and pinned settings), and the grants the 0.4.0/0.5.0
# README asked for on the change traces are gone after the upgrade: the
# loader can no longer forge a trace, and an analyst granted every table
# of schema wwva reads no partition directly.  Since 0.7.0 only the oldest
# release's install script is kept: CREATE EXTENSION ... VERSION builds
# every later release through the chain of upgrade scripts, and every
# object's comment (columns included) must match too.
set -euo pipefail
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
old=wwva_upgrade_old
new=wwva_upgrade_new
bare=wwva_upgrade_bare
work=$(mktemp -d)
analyst=wwva_upgrade_analyst
loader=wwva_upgrade_loader
trap 'rm -rf "$work"; "$PG_BIN/dropdb" --if-exists "$old"; "$PG_BIN/dropdb" --if-exists "$new"; "$PG_BIN/dropdb" --if-exists "$bare"; "$PG_BIN/psql" -X -q -d postgres -c "DROP ROLE IF EXISTS $analyst" -c "DROP ROLE IF EXISTS $loader"' EXIT

psql_q() { "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }

load_data() {
    psql_q -d "$1" <<'SQL'
INSERT INTO wwva.me (me_id, timezone) VALUES ('a', 'Asia/Shanghai'), ('b', 'UTC');
INSERT INTO wwva.period VALUES ('2016', '2016-01-01', '2017-01-01'), ('2017', '2017-01-01', '2018-01-01');
INSERT INTO wwva.user_event (me_id, user_id, occurred_at, kind)
SELECT (ARRAY['a', 'b'])[1 + i % 2], i % 300, '2016-01-01'::timestamptz + (i % 700) * interval '1 day',
       (ARRAY['interaction', 'transaction', 'co_creation', 'customization'])[1 + i % 4]
  FROM generate_series(1, 5000) AS i;
INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, behavior, amount)
SELECT (ARRAY['a', 'b'])[1 + i % 2], '2016-01-01'::date + i % 700, (ARRAY['hardware', 'ecosystem'])[1 + i % 2],
       (ARRAY['revenue', 'cost'])[1 + i % 2], CASE WHEN i % 2 = 1 THEN 'variable' END, i * 1.25
  FROM generate_series(1, 500) AS i;
INSERT INTO wwva.sharing_rule VALUES ('a', 'team', 'total_profit', 0.1, NULL, NULL);
SQL
}

members() {
    psql_q -At -d "$1" -c "
SELECT pg_describe_object(classid, objid, 0)
  FROM pg_depend
 WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
   AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wwva')
 ORDER BY 1"
}

views() {
    psql_q -At -d "$1" -c "
SELECT c.oid::regclass, c.reloptions, regexp_replace(pg_get_viewdef(c.oid), '\s+', ' ', 'g')
  FROM pg_class c
 WHERE c.relnamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND c.relkind = 'v'
 ORDER BY c.oid::regclass::text"
}

tables() {
    psql_q -At -d "$1" -c "
SELECT c.relname, c.relkind, pg_get_expr(c.relpartbound, c.oid), x.what
  FROM pg_class c
 CROSS JOIN LATERAL (
       SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = c.oid
       UNION ALL SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = c.oid
       UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text || ' ' || (tgparentid <> 0)
                   FROM pg_trigger WHERE tgrelid = c.oid AND NOT tgisinternal
       UNION ALL SELECT 'column ' || attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull || ' ' || attidentity::text
                   FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
       UNION ALL SELECT 'comment ' || coalesce(obj_description(c.oid, 'pg_class'), '(none)')
       UNION ALL SELECT 'column comment ' || attname || ' ' || col_description(c.oid, attnum)
                   FROM pg_attribute WHERE attrelid = c.oid AND attnum > 0 AND NOT attisdropped
                    AND NOT c.relispartition) x(what)
 WHERE c.relnamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND c.relkind IN ('r', 'p')
 ORDER BY 1, 4"
}

# Every function's and aggregate's full definition (a digest of it).
routines() {
    psql_q -At -d "$1" -c "
SELECT p.oid::regprocedure || ' ' || md5(CASE WHEN p.prokind = 'a' THEN
           (SELECT a::text FROM pg_aggregate a WHERE a.aggfnoid = p.oid)
       ELSE pg_get_functiondef(p.oid) END)
  FROM pg_proc p
 WHERE p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace)
 ORDER BY 1"
}

# Every comment on the extension's objects and their columns (a digest).
comments() {
    psql_q -At -d "$1" -c "
SELECT pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || md5(d.description)
  FROM pg_description d
  JOIN pg_depend e ON e.classid = d.classoid AND e.objid = d.objoid AND e.deptype = 'e'
 WHERE e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wwva')
 ORDER BY 1"
}

# Who may do what: ACLs (NULL read as the owner's default), row-level
# security, policies, and how functions run.
privileges() {
    psql_q -At -d "$1" -c "
SELECT 'relation ' || c.oid::regclass || ' ' || c.relkind::text || ' acl ' ||
       array_to_string(ARRAY(SELECT unnest(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::\"char\", c.relowner)))::text ORDER BY 1), ',') ||
       ' rls ' || c.relrowsecurity || ' force ' || c.relforcerowsecurity
  FROM pg_class c
 WHERE c.relnamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace) AND c.relkind <> 'i'
UNION ALL
SELECT 'policy ' || p.polrelid::regclass || ' ' || p.polname || ' ' || p.polcmd::text || ' ' ||
       coalesce(pg_get_expr(p.polqual, p.polrelid), '') || ' ' || coalesce(pg_get_expr(p.polwithcheck, p.polrelid), '')
  FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
 WHERE c.relnamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace)
UNION ALL
SELECT 'function ' || p.oid::regprocedure || ' acl ' ||
       array_to_string(ARRAY(SELECT unnest(coalesce(p.proacl, acldefault('f', p.proowner)))::text ORDER BY 1), ',') ||
       ' definer ' || p.prosecdef || ' config ' || coalesce(array_to_string(p.proconfig, ','), '')
  FROM pg_proc p
 WHERE p.pronamespace IN ('wwva'::regnamespace, 'wwva_internal'::regnamespace)
UNION ALL
SELECT 'schema ' || n.nspname || ' acl ' ||
       array_to_string(ARRAY(SELECT unnest(coalesce(n.nspacl, acldefault('n', n.nspowner)))::text ORDER BY 1), ',')
  FROM pg_namespace n WHERE n.nspname IN ('wwva', 'wwva_internal')
UNION ALL
SELECT 'initial privileges ' || pg_describe_object(i.classoid, i.objoid, i.objsubid) || ' ' || i.privtype::text || ' ' ||
       array_to_string(ARRAY(SELECT unnest(i.initprivs)::text ORDER BY 1), ',')
  FROM pg_init_privs i
  JOIN pg_depend d ON d.classid = i.classoid AND d.objid = i.objoid AND d.deptype = 'e'
 WHERE d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'wwva')
UNION ALL
SELECT 'event trigger ' || e.evtname || ' ' || e.evtevent || ' ' || e.evtfoid::regproc || ' ' || array_to_string(e.evttags, ',')
  FROM pg_event_trigger e
 ORDER BY 1"
}

psql_q -d postgres -c "DROP ROLE IF EXISTS $analyst" -c "CREATE ROLE $analyst" \
    -c "DROP ROLE IF EXISTS $loader" -c "CREATE ROLE $loader"
"$PG_BIN/dropdb" --if-exists "$new"
"$PG_BIN/createdb" "$new"
psql_q -d "$new" -c "CREATE EXTENSION wwva"
load_data "$new"
members "$new" > "$work/new_members.txt"
views "$new" > "$work/new_views.txt"
tables "$new" > "$work/new_tables.txt"
privileges "$new" > "$work/new_privileges.txt"
routines "$new" > "$work/new_routines.txt"
comments "$new" > "$work/new_comments.txt"
psql_q -At -d "$new" -c "SELECT * FROM wwva.statement" > "$work/fresh.txt"

for from in 0.1.0 0.2.0 0.3.0 0.4.0 0.5.0 0.6.0 0.7.0 0.8.0 0.9.0 0.10.0; do
    "$PG_BIN/dropdb" --if-exists "$old"
    "$PG_BIN/createdb" "$old"
    psql_q -d "$old" -c "CREATE EXTENSION wwva VERSION '$from'"
    load_data "$old"
    # the lines of the old release, without their numbers: a release may add
    # lines (and renumber those after them), but must keep every old one
    old_items=$(psql_q -At -d "$old" -c "SELECT array_agg(DISTINCT item) FROM wwva.statement")
    # at the scales of 0.8.0 (README "Scales"): money at the minor unit (RMB
    # here), per-user lines at 6 decimals, achievement at 4, on both sides
    scale="CASE WHEN unit LIKE '% per active user' THEN 6 WHEN unit = 'RMB' THEN 2 ELSE 0 END"
    kept="SELECT me_id, period_id, line, item, unit, round(actual, $scale), round(target, $scale), round(variance, $scale), round(achievement, 4) FROM wwva.statement WHERE item = ANY ('$old_items')"
    psql_q -At -d "$old" -c "$kept" > "$work/before_kept.txt"
    psql_q -d "$old" <<SQL
GRANT USAGE ON SCHEMA wwva TO $analyst;
GRANT SELECT ON wwva.ledger TO $analyst;
-- views an upgrade may drop and create again (keep_grants/restore_grants)
GRANT SELECT ON wwva.figures, wwva.costs TO $analyst;
ALTER TABLE wwva.ledger ENABLE ROW LEVEL SECURITY;
CREATE POLICY analyst_sees_a ON wwva.ledger FOR SELECT TO $analyst USING (me_id = 'a');
SQL
    case "$from" in
    0.4.0 | 0.5.0)
        # what the README of these versions said to grant
        psql_q -d "$old" <<SQL
GRANT USAGE ON SCHEMA wwva TO $analyst, $loader;
GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO $analyst;
GRANT INSERT ON wwva.ledger, wwva.pending_posting, wwva.pending_event, wwva.pending_change TO $loader;
SQL
        ;;
    0.6.0)
        # what the README of 0.6.0 says to grant (section 7)
        psql_q -d "$old" <<SQL
GRANT SELECT ON ALL TABLES IN SCHEMA wwva TO $analyst;
SQL
        ;;
    esac
    last_id=$(psql_q -At -d "$old" -c "SELECT max(entry_id) FROM wwva.ledger")
    psql_q -d "$old" -c "ALTER EXTENSION wwva UPDATE"

    version=$(psql_q -At -d "$old" -c "SELECT extversion FROM pg_extension WHERE extname = 'wwva'")
    default=$(psql_q -At -d "$old" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'wwva'")
    [ "$version" = "$default" ] || { echo "FAIL: $from updated to $version, not $default" >&2; exit 1; }

    members "$old" > "$work/old_members.txt"
    diff -u "$work/new_members.txt" "$work/old_members.txt" || { echo "FAIL: objects differ after the upgrade from $from" >&2; exit 1; }
    views "$old" > "$work/old_views.txt"
    diff -u "$work/new_views.txt" "$work/old_views.txt" || { echo "FAIL: views differ after the upgrade from $from" >&2; exit 1; }

    routines "$old" > "$work/old_routines.txt"
    diff -u "$work/new_routines.txt" "$work/old_routines.txt" || { echo "FAIL: function definitions differ after the upgrade from $from" >&2; exit 1; }
    comments "$old" > "$work/old_comments.txt"
    diff -u "$work/new_comments.txt" "$work/old_comments.txt" || { echo "FAIL: comments differ after the upgrade from $from" >&2; exit 1; }
    tables "$old" > "$work/old_tables.txt"
    diff -u "$work/new_tables.txt" "$work/old_tables.txt" || { echo "FAIL: tables differ after the upgrade from $from" >&2; exit 1; }
    # privileges of the extension's own objects, upgraded without the
    # test's grants and policies, equal a fresh install's
    "$PG_BIN/dropdb" --if-exists "$bare"
    "$PG_BIN/createdb" "$bare"
    psql_q -d "$bare" -c "CREATE EXTENSION wwva VERSION '$from'" -c "ALTER EXTENSION wwva UPDATE"
    privileges "$bare" > "$work/old_privileges.txt"
    diff -u "$work/new_privileges.txt" "$work/old_privileges.txt" ||
        { echo "FAIL: privileges differ after the upgrade from $from" >&2; exit 1; }
    "$PG_BIN/dropdb" "$bare"
    granted=$(psql_q -At -d "$old" -c "
SELECT count(*) FROM pg_class c, aclexplode(c.relacl) a
 WHERE c.relnamespace = 'wwva_internal'::regnamespace AND a.grantee IN ('$analyst'::regrole, '$loader'::regrole)")
    [ "$granted" = 0 ] || { echo "FAIL: after the upgrade from $from, $granted grants on wwva_internal remain" >&2; exit 1; }
    if psql_q -d "$old" -c "SET ROLE $loader" \
        -c "INSERT INTO wwva_internal.pending_posting (me_id, booked_on, stream, kind, amount) VALUES ('a', '2016-01-10', 'hardware', 'revenue', 1000000)" 2>/dev/null; then
        echo "FAIL: after the upgrade from $from the loader can still write a change trace" >&2; exit 1
    fi
    if [ "$from" = 0.5.0 ] || [ "$from" = 0.6.0 ]; then
        # granted every table of wwva, the analyst reads no partition directly
        direct=$(psql_q -At -d "$old" -c "SET ROLE $analyst" -c "SELECT count(*) FROM wwva.ledger_default" -c "SELECT count(*) FROM wwva.user_event_default")
        [ "$direct" = "0
0" ] || { echo "FAIL: after the upgrade from $from the analyst reads rows of the default partitions directly: $direct" >&2; exit 1; }
    fi
    # what users granted is theirs, not the extension's: pg_dump dumps it
    initial=$(psql_q -At -d "$old" -c "
SELECT count(*) FROM pg_init_privs i, aclexplode(i.initprivs) a
 WHERE a.grantee IN ('$analyst'::regrole, '$loader'::regrole)")
    [ "$initial" = 0 ] || { echo "FAIL: after the upgrade from $from, $initial grants to the test's roles are recorded as the extension's initial privileges (pg_dump would leave them out)" >&2; exit 1; }
    # (into a file: with pipefail, "pg_dump | grep -q" fails whenever grep
    # exits before pg_dump has written its last lines, SIGPIPE)
    "$PG_BIN/pg_dump" --schema-only -d "$old" > "$work/dump.sql"
    for granted_on in ledger figures costs; do
        grep -q "^GRANT SELECT ON TABLE wwva.$granted_on TO $analyst;" "$work/dump.sql" ||
            { echo "FAIL: after the upgrade from $from, pg_dump leaves out the grant on wwva.$granted_on" >&2; exit 1; }
    done
    seen=$(psql_q -At -d "$old" -c "SET ROLE $analyst" -c "SELECT string_agg(DISTINCT me_id, ',') FROM wwva.ledger")
    [ "$seen" = a ] || { echo "FAIL: after the upgrade from $from the analyst sees MEs '$seen' in wwva.ledger, not 'a'" >&2; exit 1; }
    new_id=$(psql_q -At -d "$old" -c "INSERT INTO wwva.ledger (me_id, booked_on, stream, kind, amount) VALUES ('a', '2015-01-01', 'hardware', 'revenue', 0) RETURNING entry_id")
    [ "$new_id" -gt "$last_id" ] || { echo "FAIL: a posting after the upgrade from $from got id $new_id, not after $last_id" >&2; exit 1; }
    psql_q -d "$old" -c "DELETE FROM wwva.ledger WHERE entry_id = $new_id"
    psql_q -At -d "$old" -c "SELECT * FROM wwva.statement" > "$work/after.txt"
    psql_q -At -d "$old" -c "$kept" > "$work/after_kept.txt"
    diff -u "$work/before_kept.txt" "$work/after_kept.txt" || { echo "FAIL: the upgrade from $from changed the statement" >&2; exit 1; }
    diff -u "$work/fresh.txt" "$work/after.txt" || { echo "FAIL: upgraded ($from) and fresh statements differ" >&2; exit 1; }
    # since 0.8.0 the building blocks of wwva.figures are in wwva_internal;
    # their deprecated old names are gone in 0.9.0, and wwva.grant_reader()
    # is all an analyst needs to read wwva.figures (under the policy)
    old_names=$(psql_q -At -d "$old" -c "SELECT count(*) FROM pg_class WHERE relnamespace = 'wwva'::regnamespace AND relname IN ('money_figures', 'user_figures', 'profit_figures')")
    [ "$old_names" = 0 ] || { echo "FAIL: after the upgrade from $from the deprecated names are still there" >&2; exit 1; }
    psql_q -d "$old" -c "SELECT wwva.grant_reader('$analyst')" > /dev/null
    figures_seen=$(psql_q -At -d "$old" -c "SET ROLE $analyst" -c "SELECT string_agg(DISTINCT me_id, ',') FROM wwva.figures WHERE total_revenue <> 0")
    [ "$figures_seen" = a ] || { echo "FAIL: after the upgrade from $from the analyst reads MEs '$figures_seen' in wwva.figures, not 'a'" >&2; exit 1; }
    # the upgraded database can use what the new versions added
    psql_q -d "$old" -c "SELECT wwva.allocate(100, '{1,1,1}', NULL, NULL)" > /dev/null
    psql_q -d "$old" -c "SELECT wwva.event_period('a', '2016-06-01', wwva.current_calendar())" > /dev/null
    # the first refresh of an upgraded database materializes its whole statement
    psql_q -d "$old" -c "SET client_min_messages = warning" -c "SELECT wwva.refresh()" > /dev/null
    psql_q -d "$old" -f "$ROOT/test/refresh/stale_lines.sql" 2> /dev/null
    echo "ok: $from -> $version keeps the data and statement ($(wc -l < "$work/after.txt") lines) and matches a fresh install ($(wc -l < "$work/new_members.txt") objects, $(wc -l < "$work/new_views.txt") views, $(wc -l < "$work/new_tables.txt") table properties, $(wc -l < "$work/new_privileges.txt") privileges, $(wc -l < "$work/new_routines.txt") function definitions, $(wc -l < "$work/new_comments.txt") comments); the grant, RLS policy and ids carry over, and no grant on the traces survives"
done

# Since 0.8.0 an ME's currency is a code of wwva.currency.  An ME of an older
# release that keeps its books in another code keeps it, as a unit of its
# own, and the upgrade says so; the statement is unchanged but for scales.
"$PG_BIN/dropdb" --if-exists "$bare"
"$PG_BIN/createdb" "$bare"
psql_q -d "$bare" -c "CREATE EXTENSION wwva VERSION '0.7.0'" \
    -c "INSERT INTO wwva.me (me_id, currency) VALUES ('us', 'dollars'), ('cn', 'RMB'), ('jp', 'JPY')"
warning=$(psql_q -d "$bare" -c "ALTER EXTENSION wwva UPDATE" 2>&1)
echo "$warning" | grep -q 'WARNING:  wwva.me: ME us keep their books in "dollars", which is not an ISO 4217 code; it was added to wwva.currency with minor unit 2' ||
    { echo "FAIL: the upgrade did not warn about the ME that keeps its books in 'dollars': $warning" >&2; exit 1; }
kept_units=$(psql_q -At -d "$bare" -c "SELECT string_agg(code || ':' || minor_unit || ':' || shipped, ',' ORDER BY code) FROM wwva.currency WHERE code IN ('dollars', 'RMB', 'JPY')")
[ "$kept_units" = "JPY:0:true,RMB:2:true,dollars:2:false" ] ||
    { echo "FAIL: after the upgrade wwva.currency holds $kept_units, not JPY:0:true,RMB:2:true,dollars:2:false" >&2; exit 1; }
if psql_q -d "$bare" -c "INSERT INTO wwva.me (me_id, currency) VALUES ('eu', 'euros')" 2>/dev/null; then
    echo "FAIL: after the upgrade an ME can still be given the currency 'euros'" >&2; exit 1
fi
"$PG_BIN/dropdb" "$bare"
echo "ok: an ME of 0.7.0 that keeps its books in 'dollars' keeps it, as a unit of its own, with a warning; 'euros' is refused afterwards"

# 0.9.0 removes the names 0.8.0 deprecated.  A view of the user's own that
# still reads one stops the upgrade with a message naming it, and nothing
# changes; once it reads wwva.figures, the upgrade goes through.
"$PG_BIN/createdb" "$bare"
psql_q -d "$bare" -c "CREATE EXTENSION wwva VERSION '0.8.0'" \
    -c "CREATE VIEW public.my_money AS SELECT me_id, hardware_revenue FROM wwva.money_figures"
refusal=$(psql_q -d "$bare" -c "ALTER EXTENSION wwva UPDATE" 2>&1) &&
    { echo "FAIL: the upgrade dropped wwva.money_figures under a view of the user's own" >&2; exit 1; }
echo "$refusal" | grep -q 'ERROR:  wwva 0.9.0 removes the deprecated view wwva.money_figures, which public.my_money still reads' ||
    { echo "FAIL: the refused upgrade did not name the user's view: $refusal" >&2; exit 1; }
echo "$refusal" | grep -q 'HINT:  Make the view read wwva.figures' ||
    { echo "FAIL: the refused upgrade gave no hint: $refusal" >&2; exit 1; }
version=$(psql_q -At -d "$bare" -c "SELECT extversion FROM pg_extension WHERE extname = 'wwva'")
[ "$version" = 0.8.0 ] || { echo "FAIL: the refused upgrade left version $version" >&2; exit 1; }
psql_q -d "$bare" -c "CREATE OR REPLACE VIEW public.my_money AS SELECT me_id, hardware_revenue FROM wwva.figures" \
    -c "ALTER EXTENSION wwva UPDATE"
"$PG_BIN/dropdb" "$bare"
echo "ok: the upgrade to 0.9.0 names a view of the user's own that reads a removed name, changes nothing, and goes through once the view reads wwva.figures"
