/*-------------------------------------------------------------------------
 * refresh.c
 *	  wwva.refresh(): bring wwva.materialized_statement up to date.
 *
 * Writers leave traces (sql/materialize.sql) that commit with their rows.
 * A refresh takes a lock that serializes refreshes, then one snapshot, and
 * runs every step in that snapshot: it consumes exactly the traces the
 * snapshot sees, and whatever it reads back from the ledgers is the data
 * those traces describe.  A writer that commits later, however early it
 * started, leaves its traces for the next refresh.  Everything happens in
 * the caller's transaction, so a refresh cut short leaves no trace of
 * itself and the next one does the whole work.
 *
 * The steps are SQL over the extension's tables (run by refresh_steps.c);
 * this file orders them and reports progress.  Where this server traces no
 * changes (the tables are Citus tables), every line is rewritten from
 * wwva.statement instead (refresh_rewrite.c).
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "refresh_checks.h"
#include "refresh_rewrite.h"
#include "refresh_steps.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(wwva_refresh);

/*
 * Step 1: what changed.  Each step reads the traces the snapshot sees and
 * notes their pairs in wwva_internal.refresh_work.
 */

/*
 * Traces lost (see wwva_internal.capture_intact): every pair is rebuilt.  The row
 * goes back in the same transaction, so it is there again exactly when
 * the rebuild is.
 */
static const char *const check_intact =
"INSERT INTO wwva_internal.capture_intact VALUES (true) ON CONFLICT DO NOTHING";

static const char *const rebuild_everything =
"INSERT INTO wwva_internal.refresh_work (me_id, period_no, rebuild) "
"SELECT m.me_id, c.period_no, true FROM wwva.me m CROSS JOIN wwva.period_calendar c";

/*
 * Each kind of trace is read, then deleted: both in the one snapshot, so
 * the delete takes exactly the rows that were read (only refreshes delete
 * them, one at a time), and it is cheaper than DELETE ... RETURNING.  Only
 * the capture triggers write traces (wwva_internal is the owner's alone),
 * and wwva.capture_change drops the traces of an ME that leaves; a trace
 * of an ME not in wwva.me can still be left by a restore or a replica
 * apply that skips triggers.  The reads skip such traces (the delete then
 * consumes them), so one cannot stop every refresh; they semi-join
 * wwva.me, the one small table, so no estimate of these short-lived
 * tables can turn them into nested loops over the traces.
 */

/* Marks: pairs to rebuild from the ledgers, or only to rewrite the lines of. */
static const char *const read_changes =
"INSERT INTO wwva_internal.refresh_work AS w (me_id, period_no, rebuild) "
"SELECT m.me_id, c.period_no, bool_or(x.rebuild) "
"  FROM wwva_internal.pending_change x "
"  JOIN wwva.me m ON x.me_id IS NULL OR m.me_id = x.me_id "
"  JOIN wwva.period_calendar c ON CASE "
"       WHEN x.period_id IS NOT NULL THEN c.period_id = x.period_id "
"       WHEN x.first_day IS NOT NULL "
"            THEN c.starts_on <= x.last_day AND c.ends_on > x.first_day "
"       WHEN x.first_at IS NOT NULL "
"            THEN c.starts_on <= (x.last_at AT TIME ZONE m.timezone)::date "
"             AND c.ends_on > (x.first_at AT TIME ZONE m.timezone)::date "
"       ELSE true END "
" GROUP BY m.me_id, c.period_no "
"ON CONFLICT (me_id, period_no) DO UPDATE SET rebuild = w.rebuild OR excluded.rebuild";

/* New postings: their sums per pair, to add. */
static const char *const read_postings =
"INSERT INTO wwva_internal.refresh_work AS w "
"       (me_id, period_no, money_changed, hardware_revenue, hardware_cost, "
"        hardware_variable_cost, ecosystem_revenue, ecosystem_cost, ecosystem_variable_cost) "
"SELECT t.me_id, t.period_no, true, t.hardware_revenue, t.hardware_cost, "
"       t.hardware_variable_cost, t.ecosystem_revenue, t.ecosystem_cost, "
"       t.ecosystem_variable_cost "
"  FROM (SELECT wwva.ledger_totals(d.me_id, d.booked_on, d.stream, d.kind, d.behavior, d.amount, "
"                                  (SELECT wwva.current_calendar())) AS a "
"          FROM wwva_internal.pending_posting d "
"         WHERE EXISTS (SELECT FROM wwva.me m WHERE m.me_id = d.me_id)) s "
" CROSS JOIN LATERAL unnest(s.a) t "
"ON CONFLICT (me_id, period_no) DO UPDATE "
"   SET money_changed = true, "
"       hardware_revenue = excluded.hardware_revenue, "
"       hardware_cost = excluded.hardware_cost, "
"       hardware_variable_cost = excluded.hardware_variable_cost, "
"       ecosystem_revenue = excluded.ecosystem_revenue, "
"       ecosystem_cost = excluded.ecosystem_cost, "
"       ecosystem_variable_cost = excluded.ecosystem_variable_cost";

/* New events: their users per pair, to merge. */
static const char *const read_events =
"INSERT INTO wwva_internal.refresh_work AS w (me_id, period_no, users_changed, users) "
"SELECT p.me_id, p.period_no, true, p.users "
"  FROM (SELECT wwva.user_resource_state(d.me_id, d.user_id, d.kind, d.occurred_at, "
"                                        (SELECT wwva.current_calendar())) AS s "
"          FROM wwva_internal.pending_event d "
"         WHERE EXISTS (SELECT FROM wwva.me m WHERE m.me_id = d.me_id)) state "
" CROSS JOIN LATERAL wwva.user_resource_state_pairs(state.s) p "
"ON CONFLICT (me_id, period_no) DO UPDATE SET users_changed = true, users = excluded.users";

/*
 * Every pair of the current MEs and periods has its row: a pair without one
 * (a new ME or period, or a row lost some other way) is rebuilt.
 */
static const char *const add_missing_pairs =
"INSERT INTO wwva_internal.refresh_work AS w (me_id, period_no, rebuild) "
"SELECT m.me_id, c.period_no, true "
"  FROM wwva.me m CROSS JOIN wwva.period_calendar c "
" WHERE NOT EXISTS (SELECT FROM wwva_internal.materialized_figures f "
"                    WHERE f.me_id = m.me_id AND f.period_no = c.period_no "
"                      AND f.period_id = c.period_id) "
"ON CONFLICT (me_id, period_no) DO UPDATE SET rebuild = true";

/* Rows of MEs or periods that are gone. */
static const char *const drop_gone_figures =
"DELETE FROM wwva_internal.materialized_figures f "
" WHERE NOT EXISTS (SELECT FROM wwva.me m CROSS JOIN wwva.period_calendar c "
"                    WHERE m.me_id = f.me_id AND c.period_no = f.period_no "
"                      AND c.period_id = f.period_id)";

static const char *const drop_gone_lines =
"DELETE FROM wwva.materialized_statement s "
" WHERE NOT EXISTS (SELECT FROM wwva_internal.materialized_figures f "
"                    WHERE f.me_id = s.me_id AND f.period_id = s.period_id)";

/*
 * Step 2: pairs to rebuild read the ledgers, each table in one pass over
 * the rebuilt MEs and the days of the rebuilt periods (two days wider for
 * events, whatever their time zones), or over everything when every pair
 * is rebuilt.  The reads are plain SELECTs, so they may run in parallel;
 * what they return is written after.
 */
static const char *const rebuild_span =
"SELECT CASE WHEN NOT s.everything THEN s.mes END, "
"       CASE WHEN NOT s.everything THEN s.first_day END, "
"       CASE WHEN NOT s.everything THEN s.last_day END, "
"       s.pairs "
"  FROM (SELECT array_agg(DISTINCT w.me_id) AS mes, min(c.starts_on) AS first_day, "
"               max(c.ends_on) AS last_day, count(*) AS pairs, "
"               count(*) = (SELECT count(*) FROM wwva.me m CROSS JOIN wwva.period_calendar c) "
"                   AS everything "
"          FROM wwva_internal.refresh_work w JOIN wwva.period_calendar c USING (period_no) "
"         WHERE w.rebuild) s";

static const char *const rebuild_money_read =
"SELECT wwva.ledger_totals(l.me_id, l.booked_on, l.stream, l.kind, l.behavior, l.amount, "
"                          (SELECT wwva.current_calendar())) "
"  FROM wwva.ledger l "
" WHERE ($1 IS NULL OR l.me_id = ANY ($1)) "
"   AND ($2 IS NULL OR l.booked_on >= $2) AND ($3 IS NULL OR l.booked_on < $3)";

static const char *const rebuild_money_write =
"UPDATE wwva_internal.refresh_work w "
"   SET hardware_revenue = t.hardware_revenue, hardware_cost = t.hardware_cost, "
"       hardware_variable_cost = t.hardware_variable_cost, "
"       ecosystem_revenue = t.ecosystem_revenue, ecosystem_cost = t.ecosystem_cost, "
"       ecosystem_variable_cost = t.ecosystem_variable_cost "
"  FROM wwva_internal.refresh_work r "
"  LEFT JOIN unnest($1::wwva.me_ledger_totals[]) t "
"         ON t.me_id = r.me_id AND t.period_no = r.period_no "
" WHERE r.rebuild AND w.me_id = r.me_id AND w.period_no = r.period_no";

static const char *const rebuild_users_read =
"SELECT wwva.user_resource_state(e.me_id, e.user_id, e.kind, e.occurred_at, "
"                                (SELECT wwva.current_calendar())) "
"  FROM wwva.user_event e "
" WHERE ($1 IS NULL OR e.me_id = ANY ($1)) "
"   AND ($2 IS NULL OR e.occurred_at >= ($2 - 2)::timestamp AT TIME ZONE 'UTC') "
"   AND ($3 IS NULL OR e.occurred_at < ($3 + 2)::timestamp AT TIME ZONE 'UTC')";

/* A rebuilt pair whose figures did not change keeps its row (and computed_at). */
static const char *const store_rebuilt =
"INSERT INTO wwva_internal.materialized_figures AS f "
"       (me_id, period_no, period_id, hardware_revenue, hardware_cost, hardware_variable_cost, "
"        ecosystem_revenue, ecosystem_cost, ecosystem_variable_cost, interactive_users, "
"        active_users, lifetime_users, user_makers, users, computed_at) "
"SELECT w.me_id, w.period_no, c.period_id, COALESCE(w.hardware_revenue, 0), "
"       COALESCE(w.hardware_cost, 0), COALESCE(w.hardware_variable_cost, 0), "
"       COALESCE(w.ecosystem_revenue, 0), COALESCE(w.ecosystem_cost, 0), "
"       COALESCE(w.ecosystem_variable_cost, 0), 0, 0, 0, 0, p.users, now() "
"  FROM wwva_internal.refresh_work w "
"  JOIN wwva.period_calendar c USING (period_no) "
"  LEFT JOIN wwva.user_resource_state_pairs($1) p "
"         ON p.me_id = w.me_id AND p.period_no = w.period_no "
" WHERE w.rebuild "
"ON CONFLICT (me_id, period_no) DO UPDATE "
"   SET period_id = excluded.period_id, hardware_revenue = excluded.hardware_revenue, "
"       hardware_cost = excluded.hardware_cost, "
"       hardware_variable_cost = excluded.hardware_variable_cost, "
"       ecosystem_revenue = excluded.ecosystem_revenue, ecosystem_cost = excluded.ecosystem_cost, "
"       ecosystem_variable_cost = excluded.ecosystem_variable_cost, users = excluded.users, "
"       computed_at = excluded.computed_at "
" WHERE f.users IS DISTINCT FROM excluded.users "
"    OR (f.period_id, f.hardware_revenue, f.hardware_cost, f.hardware_variable_cost, "
"        f.ecosystem_revenue, f.ecosystem_cost, f.ecosystem_variable_cost)::text "
"       IS DISTINCT FROM (excluded.period_id, excluded.hardware_revenue, excluded.hardware_cost, "
"        excluded.hardware_variable_cost, excluded.ecosystem_revenue, excluded.ecosystem_cost, "
"        excluded.ecosystem_variable_cost)::text";

/*
 * Lifetime users of a period look back K-1 periods of its calendar (the
 * numbers before it that are in the same calendar): a pair whose users
 * changed is recounted with the K-1 periods after it.
 */
static const char *const spread_recounts =
"INSERT INTO wwva_internal.refresh_work AS w (me_id, period_no, recount) "
"SELECT DISTINCT r.me_id, c.period_no, true "
"  FROM wwva_internal.refresh_work r "
"  JOIN wwva.me m ON m.me_id = r.me_id "
"  JOIN wwva.period_calendar rc ON rc.period_no = r.period_no "
"  JOIN wwva.period_calendar c "
"    ON c.period_no BETWEEN r.period_no AND r.period_no + m.lifetime_periods - 1 "
"   AND c.calendar = rc.calendar "
" WHERE r.rebuild OR r.users_changed "
"ON CONFLICT (me_id, period_no) DO UPDATE SET recount = true";

/*
 * Step 3, a batch of MEs ($1) at a time: add the new sums and users,
 * recount, rewrite the lines.
 */
static const char *const store_added =
"UPDATE wwva_internal.materialized_figures f "
"   SET hardware_revenue = f.hardware_revenue + COALESCE(w.hardware_revenue, 0), "
"       hardware_cost = f.hardware_cost + COALESCE(w.hardware_cost, 0), "
"       hardware_variable_cost = f.hardware_variable_cost + COALESCE(w.hardware_variable_cost, 0), "
"       ecosystem_revenue = f.ecosystem_revenue + COALESCE(w.ecosystem_revenue, 0), "
"       ecosystem_cost = f.ecosystem_cost + COALESCE(w.ecosystem_cost, 0), "
"       ecosystem_variable_cost = f.ecosystem_variable_cost + COALESCE(w.ecosystem_variable_cost, 0), "
"       users = CASE WHEN w.users IS NULL THEN f.users "
"                    WHEN f.users IS NULL THEN w.users "
"                    ELSE (SELECT wwva.user_resource_state(v.s) "
"                            FROM (VALUES (f.users), (w.users)) v(s)) END, "
"       computed_at = now() "
"  FROM wwva_internal.refresh_work w "
" WHERE NOT w.rebuild AND (w.money_changed OR w.users_changed) AND w.me_id = ANY ($1) "
"   AND f.me_id = w.me_id AND f.period_no = w.period_no";

static const char *const store_counts =
"UPDATE wwva_internal.materialized_figures f "
"   SET interactive_users = COALESCE(k.interactive_users, 0), "
"       active_users = COALESCE(k.active_users, 0), "
"       lifetime_users = COALESCE(k.lifetime_users, 0), "
"       user_makers = COALESCE(k.user_makers, 0), "
"       computed_at = now() "
"  FROM wwva_internal.refresh_work w "
"  JOIN wwva.me m ON m.me_id = w.me_id "
"  JOIN wwva.period_calendar wc ON wc.period_no = w.period_no "
"  LEFT JOIN LATERAL ( "
"        SELECT x.* "
"          FROM unnest(wwva.user_resource_state_counts( "
"                 (SELECT wwva.user_resource_state(s.users) "
"                    FROM wwva_internal.materialized_figures s "
"                    JOIN wwva.period_calendar sc ON sc.period_no = s.period_no "
"                   WHERE s.me_id = w.me_id AND sc.calendar = wc.calendar "
"                     AND s.period_no BETWEEN w.period_no - m.lifetime_periods + 1 "
"                                         AND w.period_no))) x "
"         WHERE x.period_no = w.period_no) k ON true "
" WHERE w.recount AND w.me_id = ANY ($1) AND f.me_id = w.me_id AND f.period_no = w.period_no "
"   AND (f.interactive_users, f.active_users, f.lifetime_users, f.user_makers) "
"       IS DISTINCT FROM (COALESCE(k.interactive_users, 0), COALESCE(k.active_users, 0), "
"                         COALESCE(k.lifetime_users, 0), COALESCE(k.user_makers, 0))";

/*
 * The batch's pairs, their lines now (from the figures kept) and the
 * lines they no longer have: what write_lines writes.
 */
static const char *const fresh_and_dropped_pairs =
"fresh AS ( "
"  SELECT s.me_id, s.period_id, s.line, s.item, s.unit, s.actual, s.target, s.variance, "
"         s.achievement, s.line_no, c.period_no, c.starts_on, c.ends_on, c.calendar "
"    FROM wwva_internal.statement_rows_of( "
"         ARRAY(SELECT ROW(f.me_id, f.period_no, f.hardware_revenue, f.hardware_cost, "
"                          f.hardware_variable_cost, f.ecosystem_revenue, f.ecosystem_cost, "
"                          f.ecosystem_variable_cost)::wwva.me_ledger_totals "
"                 FROM wwva_internal.materialized_figures f JOIN wwva_internal.refresh_work w USING (me_id, period_no) "
"                WHERE w.me_id = ANY ($1)), "
"         ARRAY(SELECT ROW(f.me_id, f.period_no, f.interactive_users, f.active_users, "
"                          f.lifetime_users, f.user_makers)::wwva.me_user_resource_counts "
"                 FROM wwva_internal.materialized_figures f JOIN wwva_internal.refresh_work w USING (me_id, period_no) "
"                WHERE w.me_id = ANY ($1)), "
"         ARRAY(SELECT w.me_id FROM wwva_internal.refresh_work w WHERE w.me_id = ANY ($1) "
"                ORDER BY w.me_id, w.period_no), "
"         ARRAY(SELECT w.period_no FROM wwva_internal.refresh_work w WHERE w.me_id = ANY ($1) "
"                ORDER BY w.me_id, w.period_no)) s "
"    JOIN wwva.period_calendar c ON c.period_no = s.period_no), "
"dropped AS ( "
"  DELETE FROM wwva.materialized_statement s "
"   USING wwva_internal.refresh_work w JOIN wwva.period_calendar c USING (period_no) "
"   WHERE w.me_id = ANY ($1) AND s.me_id = w.me_id AND s.period_id = c.period_id "
"     AND NOT EXISTS (SELECT FROM fresh n WHERE n.me_id = s.me_id "
"                        AND n.period_id = s.period_id AND n.line_no = s.line_no))";

static const char *const record_run =
"WITH run AS (INSERT INTO wwva_internal.refresh_run (started_at, finished_at, pairs, rebuilt_pairs, "
"                                           batches, postings, events, changes) "
"             VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6, $7) RETURNING run_id) "
"DELETE FROM wwva_internal.refresh_run r USING run WHERE r.run_id <= run.run_id - 1000";

/* Step 2; the number of pairs rebuilt. */
static int64
rebuild(Refresh *refresh)
{
	Oid			span_types[3] = {TEXTARRAYOID, DATEOID, DATEOID};
	Datum		span[3];
	char		span_nulls[4] = "   ";
	Oid			read_type;
	Datum		read;
	bool		isnull;
	int64		pairs;

	run_step(refresh, rebuild_span, 0, NULL, NULL, NULL);
	pairs = step_result(4);
	if (pairs == 0)
		return 0;
	for (int i = 0; i < 3; i++)
	{
		span[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull);
		span_nulls[i] = isnull ? 'n' : ' ';
	}
	if (span_nulls[0] != 'n')
		span[0] = SPI_datumTransfer(span[0], false, -1);

	run_step(refresh, rebuild_money_read, 3, span_types, span, span_nulls);
	read_type = SPI_gettypeid(SPI_tuptable->tupdesc, 1);
	read = step_datum(&isnull);
	run_step(refresh, rebuild_money_write, 1, &read_type, &read, isnull ? "n" : NULL);

	run_step(refresh, rebuild_users_read, 3, span_types, span, span_nulls);
	read_type = BYTEAOID;
	read = step_datum(&isnull);
	run_step(refresh, store_rebuilt, 1, &read_type, &read, isnull ? "n" : NULL);
	return pairs;
}

/*
 * Step 1; the changes, postings and events it consumed.  A refresh that
 * cannot trust the traces (lost, or untraced partitions) rebuilds every
 * pair instead.
 */
static void
read_traces(Refresh *refresh, bool untraced)
{
	run_step(refresh, "DELETE FROM wwva_internal.refresh_work", 0, NULL, NULL, NULL);
	if (run_step(refresh, check_intact, 0, NULL, NULL, NULL) > 0 || untraced)
		run_step(refresh, rebuild_everything, 0, NULL, NULL, NULL);
	run_step(refresh, read_changes, 0, NULL, NULL, NULL);
	refresh->changes = run_step(refresh, "DELETE FROM wwva_internal.pending_change", 0, NULL, NULL, NULL);
	run_step(refresh, read_postings, 0, NULL, NULL, NULL);
	refresh->postings = run_step(refresh, "DELETE FROM wwva_internal.pending_posting", 0, NULL, NULL, NULL);
	run_step(refresh, read_events, 0, NULL, NULL, NULL);
	refresh->events = run_step(refresh, "DELETE FROM wwva_internal.pending_event", 0, NULL, NULL, NULL);
	if (run_step(refresh, drop_gone_figures, 0, NULL, NULL, NULL) > 0)
		run_step(refresh, drop_gone_lines, 0, NULL, NULL, NULL);
	run_step(refresh, add_missing_pairs, 0, NULL, NULL, NULL);
}

/* Step 3, batch_size MEs at a time with a notice after each. */
static void
write_batches(Refresh *refresh, int32 batch_size)
{
	Oid			batch_type = TEXTARRAYOID;
	int			nmes;
	Datum	   *mes;
	int64		done = 0;

	run_step(refresh, "SELECT DISTINCT me_id FROM wwva_internal.refresh_work ORDER BY me_id", 0, NULL, NULL, NULL);
	mes = step_column(&nmes);
	refresh->batches = (nmes + batch_size - 1) / batch_size;

	for (int b = 0; b < refresh->batches; b++)
	{
		int			first = b * batch_size;
		int			n = Min(batch_size, nmes - first);
		Datum		batch = PointerGetDatum(construct_array(mes + first, n, TEXTOID, -1, false,
															TYPALIGN_INT));

		run_step(refresh, store_added, 1, &batch_type, &batch, NULL);
		run_step(refresh, store_counts, 1, &batch_type, &batch, NULL);
		write_lines(refresh, fresh_and_dropped_pairs, 1, &batch_type, &batch);
		run_step(refresh,
				 "SELECT count(*) FROM wwva_internal.refresh_work WHERE me_id = ANY ($1)",
				 1, &batch_type, &batch, NULL);
		done += step_result(1);
		ereport(NOTICE,
				(errmsg("wwva.refresh: batch %d of %d: %lld of %lld pairs done in %.1f s",
						b + 1, refresh->batches, (long long) done, (long long) refresh->pairs,
						seconds_since(refresh->started))));
	}
}

/* The three steps, from the traces and the figures kept. */
static void
refresh_incrementally(Refresh *refresh, bool untraced, int32 batch_size)
{
	read_traces(refresh, untraced);
	refresh->rebuilt = rebuild(refresh);
	if (refresh->rebuilt > 0)
		ereport(NOTICE,
				(errmsg("wwva.refresh: %lld pairs rebuilt from the ledgers in %.1f s",
						(long long) refresh->rebuilt, seconds_since(refresh->started))));
	run_step(refresh, spread_recounts, 0, NULL, NULL, NULL);

	run_step(refresh, "SELECT count(*) FROM wwva_internal.refresh_work", 0, NULL, NULL, NULL);
	refresh->pairs = step_result(1);
	write_batches(refresh, batch_size);
	run_step(refresh, "DELETE FROM wwva_internal.refresh_work", 0, NULL, NULL, NULL);
}

Datum
wwva_refresh(PG_FUNCTION_ARGS)
{
	Refresh		refresh = {0};
	int32		batch_size;
	bool		citus,
				untraced = false;

	if (PG_ARGISNULL(0) || PG_GETARG_INT32(0) < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.refresh: batch_size must be at least 1, not %s",
						PG_ARGISNULL(0) ? "NULL" : psprintf("%d", PG_GETARG_INT32(0))),
				 errhint("batch_size is how many MEs are written between progress notices; the default is 100.")));
	batch_size = PG_GETARG_INT32(0);
	refresh.started = GetCurrentTimestamp();

	SPI_connect();
	refresh_preconditions();
	/*
	 * Refreshes queue here.  On a table nothing writes, not on the ones
	 * the refresh writes: autovacuum must get to those between refreshes.
	 */
	if (SPI_execute("LOCK TABLE wwva_internal.refresh_lock IN SHARE ROW EXCLUSIVE MODE",
					false, 0) != SPI_OK_UTILITY)
		elog(ERROR, "wwva.refresh: could not lock wwva_internal.refresh_lock");
	citus = citus_tables();
	if (!citus)
		untraced = untraced_partitions();
	refresh.snapshot = RegisterSnapshot(GetLatestSnapshot());

	if (citus)
		rewrite_from_statement(&refresh, batch_size);
	else
		refresh_incrementally(&refresh, untraced, batch_size);
	{
		Oid			types[7] = {TIMESTAMPTZOID, INT4OID, INT4OID, INT4OID, INT8OID, INT8OID,
		INT8OID};
		Datum		values[7] = {TimestampTzGetDatum(refresh.started),
			Int32GetDatum((int32) refresh.pairs), Int32GetDatum((int32) refresh.rebuilt),
			Int32GetDatum(refresh.batches), Int64GetDatum(refresh.postings),
		Int64GetDatum(refresh.events), Int64GetDatum(refresh.changes)};

		run_step(&refresh, record_run, 7, types, values, NULL);
	}

	UnregisterSnapshot(refresh.snapshot);
	SPI_finish();
	PG_RETURN_INT64(refresh.pairs);
}
