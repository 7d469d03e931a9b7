/*-------------------------------------------------------------------------
 * local_clock.h
 *	  Local dates: an instant's date in an ME's time zone, as
 *	  (at AT TIME ZONE zone)::date gives it, found without a call into the
 *	  time zone code per event.
 *-------------------------------------------------------------------------
 */
#ifndef LOCAL_CLOCK_H
#define LOCAL_CLOCK_H

#include "postgres.h"
#include "utils/date.h"
#include "utils/timestamp.h"

/* A zone's UTC offset changes over one span of time, listed once. */
typedef struct LocalClock
{
	text	   *zone;			/* the ME's time zone as given */
	bool		exact_only;		/* ask timestamptz_zone() for every event */
	TimestampTz from;			/* the changes cover [from, to) */
	TimestampTz to;
	int64		initial_offset; /* UTC offset before the first change, in us */
	int			nchanges;
	TimestampTz *changes;		/* instants the offset changes, ascending */
	int64	   *offsets;		/* offset from each change on */
} LocalClock;

extern bool zone_is_known(const char *name, int len);
extern void local_clock_init(LocalClock *clock, const char *zone, int zone_len,
							 TimestampTz from, TimestampTz to, MemoryContext context);
extern DateADT local_date(const LocalClock *clock, TimestampTz at);

#endif							/* LOCAL_CLOCK_H */
