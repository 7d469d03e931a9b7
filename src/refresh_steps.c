/*-------------------------------------------------------------------------
 * refresh_steps.c
 *	  The steps of wwva.refresh(): SQL statements run in the refresh's one
 *	  snapshot inside its SPI connection, the values they return, and the
 *	  step both ways of refreshing end with, writing the lines that changed.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "refresh_steps.h"

#include "executor/spi.h"

/*
 * Runs one statement in the refresh's snapshot (its command id advanced, so
 * earlier steps' writes are seen); the rows it processed.  nulls is as for
 * SPI_execute_plan: NULL, or 'n' for each NULL value.
 */
uint64
run_step(Refresh *refresh, const char *sql, int nargs, Oid *types, Datum *values,
		 const char *nulls)
{
	SPIPlanPtr	plan = SPI_prepare_cursor(sql, nargs, types, CURSOR_OPT_PARALLEL_OK);
	int			rc;

	if (plan == NULL)
		elog(ERROR, "wwva.refresh: could not prepare a step: %s",
			 SPI_result_code_string(SPI_result));
	rc = SPI_execute_snapshot(plan, values, nulls, refresh->snapshot, InvalidSnapshot,
							  false, true, 0);
	if (rc < 0)
		elog(ERROR, "wwva.refresh: a step failed: %s", SPI_result_code_string(rc));
	SPI_freeplan(plan);
	return SPI_processed;
}

/* The int64 in column col of the first row the last step returned. */
int64
step_result(int col)
{
	bool		isnull;
	Datum		value;

	if (SPI_processed < 1)
		return 0;
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
	return isnull ? 0 : DatumGetInt64(value);
}

/* The one value the last step returned, copied to the caller's memory, or NULL. */
Datum
step_datum(bool *isnull)
{
	Datum		value;

	*isnull = true;
	if (SPI_processed < 1)
		return (Datum) 0;
	value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (*isnull)
		return (Datum) 0;
	return SPI_datumTransfer(value, false, -1);
}

/*
 * The first column of every row the last step returned (ME ids, in the
 * step's order, none NULL), copied to the caller's memory.
 */
Datum *
step_column(int *count)
{
	Datum	   *values;

	if (SPI_processed > INT_MAX)
		elog(ERROR, "wwva.refresh: too many MEs");
	*count = (int) SPI_processed;
	values = palloc(sizeof(Datum) * Max(*count, 1));
	for (int i = 0; i < *count; i++)
	{
		bool		isnull;

		values[i] = SPI_datumTransfer(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
													1, &isnull),
									  false, -1);
	}
	return values;
}

/*
 * The lines of a batch of MEs ($1, a text[]), written only where they
 * differ.  fresh_and_dropped defines two CTEs: "fresh", the batch's lines
 * as they are now, in the columns of wwva.materialized_statement but
 * computed_at, and "dropped", which deletes the batch's lines that are no
 * longer there.  A line the refresh recomputes to the same values
 * (compared as text, so that a new scale counts) keeps its row, so
 * frequent refreshes leave no dead rows behind but the changed lines'
 * (the parts of one statement share a snapshot: each sees the lines as
 * they were).  "s.me_id = ANY ($1)" keeps the reads of the table to the
 * batch's MEs.
 */
uint64
write_lines(Refresh *refresh, const char *fresh_and_dropped, int nargs, Oid *types,
			Datum *values)
{
	return run_step(refresh, psprintf(
		"WITH %s, "
		"changed AS ( "
		"  UPDATE wwva.materialized_statement s "
		"     SET line = n.line, item = n.item, unit = n.unit, actual = n.actual, target = n.target, "
		"         variance = n.variance, achievement = n.achievement, period_no = n.period_no, "
		"         starts_on = n.starts_on, ends_on = n.ends_on, calendar = n.calendar, "
		"         computed_at = now() "
		"    FROM fresh n "
		"   WHERE s.me_id = ANY ($1) AND s.me_id = n.me_id AND s.period_id = n.period_id "
		"     AND s.line_no = n.line_no "
		"     AND (s.line, s.item, s.unit, s.actual, s.target, s.variance, s.achievement, "
		"          s.period_no, s.starts_on, s.ends_on, s.calendar)::text "
		"         IS DISTINCT FROM (n.line, n.item, n.unit, n.actual, n.target, n.variance, "
		"                           n.achievement, n.period_no, n.starts_on, n.ends_on, "
		"                           n.calendar)::text) "
		"INSERT INTO wwva.materialized_statement "
		"       (me_id, period_id, line, item, unit, actual, target, variance, achievement, line_no, "
		"        period_no, starts_on, ends_on, calendar, computed_at) "
		"SELECT n.*, now() "
		"  FROM fresh n "
		" WHERE NOT EXISTS (SELECT FROM wwva.materialized_statement s "
		"                    WHERE s.me_id = ANY ($1) AND s.me_id = n.me_id "
		"                      AND s.period_id = n.period_id AND s.line_no = n.line_no)",
		fresh_and_dropped),
					nargs, types, values, NULL);
}

double
seconds_since(TimestampTz start)
{
	return (double) (GetCurrentTimestamp() - start) / USECS_PER_SEC;
}
