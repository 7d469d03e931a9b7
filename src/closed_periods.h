/*-------------------------------------------------------------------------
 * closed_periods.h
 *	  Whether a posting or an event is in a closed period of its ME
 *	  (closed_periods.c).
 *-------------------------------------------------------------------------
 */
#ifndef CLOSED_PERIODS_H
#define CLOSED_PERIODS_H

#include "postgres.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/* A closed period of an ME. */
typedef struct Closure
{
	char	   *period_id;
	DateADT		starts_on;		/* postings booked in [starts_on, ends_on) are closed */
	DateADT		ends_on;
	DateADT		events_from;	/* events on [events_from, ends_on) are */
	char	   *closed_by;
	TimestampTz closed_at;
} Closure;

/* The closes read so far, per ME, for one statement. */
typedef struct ClosedPeriods ClosedPeriods;

extern ClosedPeriods *closed_periods_create(MemoryContext context, Oid schema);
extern const Closure *closure_of_posting(ClosedPeriods *closed, text *me_id, DateADT booked_on);
extern const Closure *closure_of_event(ClosedPeriods *closed, text *me_id, TimestampTz occurred_at,
										bool *looked_back);

#endif							/* CLOSED_PERIODS_H */
