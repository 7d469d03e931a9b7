/*-------------------------------------------------------------------------
 * calendar.h
 *	  wwva.calendar: the periods and every ME's settings in one value, and
 *	  what the aggregates ask of it per row (calendar.c, calendar_make.c).
 *-------------------------------------------------------------------------
 */
#ifndef CALENDAR_H
#define CALENDAR_H

#include "wwva.h"
#include "local_clock.h"
#include "spans.h"

/*
 * The value (network byte order): magic, a hash of everything after these
 * 12 bytes, the number of segments of the grid and each one's start and
 * end, the number of MEs and per ME in me_id byte order: N, K, me_id and
 * time zone (each as length and bytes), then the span plan over the
 * segments (spans.h; 0 when each segment is a period, one calendar).
 */
#define CALENDAR_MAGIC	0x57564332	/* "WVC2" */
#define CALENDAR_HEADER (4 + 8)		/* magic, hash of what follows */
#define CALENDAR_HASH_SEED UINT64CONST(0x5757564143414C31)

typedef struct CalendarMe
{
	const char *me_id;			/* not NUL-terminated */
	int			me_id_len;
	uint32		me_id_hash;		/* me_id_hash(me_id, me_id_len, the calendar's id_seed) */
	const char *timezone;
	int			timezone_len;
	int32		min_transactions;
	int32		lifetime_periods;
	bool		clock_ready;
	LocalClock	clock;
} CalendarMe;

typedef struct Calendar
{
	MemoryContext context;		/* holds everything below */
	uint64		hash;			/* as stored in the value */
	int			size;
	int			nperiods;		/* segments of the grid: periods when plan is NULL */
	DateADT    *starts;
	DateADT    *ends;
	int32	   *period_of_day;	/* segment of each day from first_day, or NULL */
	DateADT		first_day;
	int32		ndays;
	TimestampTz span_from;		/* the periods, widened by two days */
	TimestampTz span_to;
	int			nmes;
	CalendarMe *mes;			/* sorted by me_id, bytewise */
	int		   *index;			/* hash of me_id -> position in mes, -1 empty */
	uint32		index_mask;
	uint64		id_seed;		/* random per parse, so no ids can be made to collide */
	SpanPlan   *plan;			/* the periods over the segments, or NULL */
} Calendar;

extern Calendar *calendar_argument(FunctionCallInfo fcinfo, int argno, const uint64 *expected_hash,
								   const char *function_name);
extern int	calendar_me_find(FunctionCallInfo fcinfo, int argno, const Calendar *calendar,
							 int *last_me);
extern int	calendar_me_argument(FunctionCallInfo fcinfo, int argno, const Calendar *calendar,
								 int *last_me, const char *function_name);
extern int	compare_me_ids(const char *a, int alen, const char *b, int blen);

/* N and K in range, or an error naming function_name */
extern void me_settings_check(int32 min_transactions, int32 lifetime_periods,
							  const char *function_name);

extern int32 calendar_period_of_date(const Calendar *calendar, DateADT day);
extern int32 calendar_period_of_event(Calendar *calendar, int me, TimestampTz at);

#endif							/* CALENDAR_H */
