/*-------------------------------------------------------------------------
 * refresh_rewrite.c
 *	  wwva.refresh() where this server traces no changes: every line of
 *	  wwva.materialized_statement rewritten from wwva.statement.
 *
 * On Citus a write to the ledgers, or to the tables made reference
 * tables, runs on the workers' shards: the capture triggers do not fire
 * on the coordinator, and on the workers they skip the shards (nothing
 * would read what they kept there).  The incremental steps could not run
 * either: they join the traces and the kept figures, local tables, with
 * wwva.me and wwva.period, and Citus joins no local table with a
 * distributed one.  So this refresh reads wwva.statement for a batch of
 * MEs at a time, a query Citus runs with each ME's aggregation on its
 * worker (one row per ME and ledger comes back, never the ledgers' rows),
 * and writes the lines that changed, as the incremental refresh does.  The
 * traces and the figures kept for the incremental way are dropped, so the
 * first refresh after the tables are local again rebuilds every pair.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "refresh_rewrite.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/array.h"

/*
 * A batch's lines ($1: its MEs), as one wwva.statement[] value, and its
 * pairs.  The row is built column by column: Citus may run this on a
 * worker over a subquery, where the view's whole row is a record.
 */
static const char *const read_batch =
"SELECT COALESCE(array_agg(ROW(s.me_id, s.period_id, s.line, s.item, s.unit, s.actual, s.target, "
"                              s.variance, s.achievement, s.line_no, s.period_no, s.starts_on, "
"                              s.ends_on, s.calendar)::wwva.statement), "
"                '{}'::wwva.statement[]), "
"       count(DISTINCT (s.me_id, s.period_id)) "
"  FROM wwva.statement s WHERE s.me_id = ANY ($1)";

/* The lines read ($2) and the batch's lines no longer there: what write_lines writes. */
static const char *const fresh_and_dropped_lines =
"fresh AS ( "
"  SELECT s.me_id, s.period_id, s.line, s.item, s.unit, s.actual, s.target, s.variance, "
"         s.achievement, s.line_no, s.period_no, s.starts_on, s.ends_on, s.calendar "
"    FROM unnest($2::wwva.statement[]) s), "
"dropped AS ( "
"  DELETE FROM wwva.materialized_statement s "
"   WHERE s.me_id = ANY ($1) "
"     AND NOT EXISTS (SELECT FROM fresh n WHERE n.me_id = s.me_id "
"                        AND n.period_id = s.period_id AND n.line_no = s.line_no))";

/* The traces were never the changes of these tables; kept figures would go stale. */
static void
drop_traces(Refresh *refresh)
{
	refresh->changes = run_step(refresh, "DELETE FROM wwva_internal.pending_change",
								0, NULL, NULL, NULL);
	refresh->postings = run_step(refresh, "DELETE FROM wwva_internal.pending_posting",
								 0, NULL, NULL, NULL);
	refresh->events = run_step(refresh, "DELETE FROM wwva_internal.pending_event",
							   0, NULL, NULL, NULL);
	run_step(refresh, "DELETE FROM wwva_internal.refresh_work", 0, NULL, NULL, NULL);
	run_step(refresh, "DELETE FROM wwva_internal.materialized_figures", 0, NULL, NULL, NULL);
}

void
rewrite_from_statement(Refresh *refresh, int32 batch_size)
{
	Oid			types[2] = {TEXTARRAYOID, InvalidOid};
	Datum		values[2];
	int			nmes;
	Datum	   *mes;
	int64		periods;

	ereport(NOTICE,
			(errmsg("wwva.refresh: tables of wwva are Citus tables, whose changes are written on the workers and not traced here; rewriting every pair from wwva.statement")));
	drop_traces(refresh);
	run_step(refresh, "SELECT count(*) FROM wwva.period", 0, NULL, NULL, NULL);
	periods = step_result(1);
	run_step(refresh, "SELECT me_id FROM wwva.me ORDER BY me_id", 0, NULL, NULL, NULL);
	mes = step_column(&nmes);
	refresh->batches = (nmes + batch_size - 1) / batch_size;

	for (int b = 0; b < refresh->batches; b++)
	{
		int			first = b * batch_size;
		int			n = Min(batch_size, nmes - first);
		bool		isnull;

		values[0] = PointerGetDatum(construct_array(mes + first, n, TEXTOID, -1, false,
													TYPALIGN_INT));
		run_step(refresh, read_batch, 1, types, values, NULL);
		types[1] = SPI_gettypeid(SPI_tuptable->tupdesc, 1);
		refresh->pairs += step_result(2);
		values[1] = step_datum(&isnull);
		write_lines(refresh, fresh_and_dropped_lines, 2, types, values);
		ereport(NOTICE,
				(errmsg("wwva.refresh: batch %d of %d: %lld of %lld pairs done in %.1f s",
						b + 1, refresh->batches, (long long) refresh->pairs,
						(long long) (nmes * periods), seconds_since(refresh->started))));
	}
	/* the lines of MEs that are gone */
	values[0] = PointerGetDatum(construct_array(mes, nmes, TEXTOID, -1, false, TYPALIGN_INT));
	run_step(refresh, "DELETE FROM wwva.materialized_statement s WHERE s.me_id <> ALL ($1)",
			 1, types, values, NULL);
	refresh->rebuilt = refresh->pairs;
}
