/*-------------------------------------------------------------------------
 * refresh_steps.h
 *	  How wwva.refresh() runs its steps (refresh_steps.c), for its two
 *	  ways of working: the incremental one (refresh.c) and the rewrite
 *	  from wwva.statement where changes are not traced (refresh_rewrite.c).
 *-------------------------------------------------------------------------
 */
#ifndef REFRESH_STEPS_H
#define REFRESH_STEPS_H

#include "postgres.h"
#include "utils/snapshot.h"
#include "utils/timestamp.h"

/* A refresh in progress: its snapshot, when it began, and what it did. */
typedef struct Refresh
{
	Snapshot	snapshot;
	TimestampTz started;
	int64		pairs;			/* pairs whose lines were written */
	int64		rebuilt;		/* of those, pairs read again from the ledgers */
	int			batches;
	int64		postings;		/* traces consumed */
	int64		events;
	int64		changes;
} Refresh;

extern uint64 run_step(Refresh *refresh, const char *sql, int nargs, Oid *types,
					   Datum *values, const char *nulls);
extern int64 step_result(int col);
extern Datum step_datum(bool *isnull);
extern Datum *step_column(int *count);
extern uint64 write_lines(Refresh *refresh, const char *fresh_and_dropped, int nargs,
						  Oid *types, Datum *values);
extern double seconds_since(TimestampTz start);

#endif							/* REFRESH_STEPS_H */
