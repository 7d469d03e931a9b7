/*-------------------------------------------------------------------------
 * local_clock.c
 *	  Local dates of events (see local_clock.h).
 *
 * For a zone with a name in the time zone database, the clock lists the
 * zone's UTC offset changes over a span once; an event's local date is
 * then its UTC time plus the offset in force, found by binary search.
 * Zones given as abbreviations, and events outside the span, take
 * PostgreSQL's own timestamptz_zone() instead: the result is the same
 * either way, the first is only faster.
 *-------------------------------------------------------------------------
 */
#include "local_clock.h"

#include "miscadmin.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"

#define MAX_CLOCK_CHANGES 100000

static bool
zone_is_abbreviation(const char *zone_name, int len)
{
	char	   *lower = downcase_truncate_identifier(zone_name, len, false);
	int			offset;
	pg_tz	   *abbreviation_zone = NULL;
	int			type;

#if PG_VERSION_NUM >= 160000
	DateTimeErrorExtra extra;

	if (DecodeTimezoneAbbrev(0, lower, &type, &offset, &abbreviation_zone, &extra) != 0)
		return false;
#else
	type = DecodeTimezoneAbbrev(0, lower, &offset, &abbreviation_zone);
#endif
	return type != UNKNOWN_FIELD;
}

/*
 * The zone PostgreSQL's timestamptz_zone() would use for this name, or
 * NULL when it would read the name as an abbreviation (or not at all): the
 * caller then asks timestamptz_zone() itself.
 */
static pg_tz *
zone_by_name(const char *name, int len)
{
	char		zone_name[TZ_STRLEN_MAX + 1];

	if (len > TZ_STRLEN_MAX)
		return NULL;
	memcpy(zone_name, name, len);
	zone_name[len] = '\0';
	if (zone_is_abbreviation(zone_name, len))
		return NULL;
	return pg_tzset(zone_name);
}

/* Whether timestamptz_zone() accepts the name: an abbreviation or a zone. */
bool
zone_is_known(const char *name, int len)
{
	char		zone_name[TZ_STRLEN_MAX + 1];

	if (len == 0 || len > TZ_STRLEN_MAX || memchr(name, '\0', len) != NULL)
		return false;
	memcpy(zone_name, name, len);
	zone_name[len] = '\0';
	return zone_is_abbreviation(zone_name, len) || pg_tzset(zone_name) != NULL;
}

/*
 * The UTC offset changes of the ME's zone over [from, to): the offset
 * before from, then each change instant with the offset after it.
 */
void
local_clock_init(LocalClock *clock, const char *zone, int zone_len,
				 TimestampTz from, TimestampTz to, MemoryContext context)
{
	pg_tz	   *tz = zone_by_name(zone, zone_len);
	pg_time_t	cursor,
				end;
	long int	before_offset,
				after_offset;
	int			before_dst,
				after_dst;
	pg_time_t	boundary;
	int			capacity = 8;

	clock->zone = MemoryContextAlloc(context, VARHDRSZ + zone_len);
	SET_VARSIZE(clock->zone, VARHDRSZ + zone_len);
	memcpy(VARDATA(clock->zone), zone, zone_len);
	clock->exact_only = (tz == NULL);
	clock->from = from;
	clock->to = to;
	clock->nchanges = 0;
	clock->changes = NULL;
	clock->offsets = NULL;
	if (tz == NULL)
		return;

	cursor = timestamptz_to_time_t(from);
	end = timestamptz_to_time_t(to);
	if (pg_next_dst_boundary(&cursor, &before_offset, &before_dst, &boundary,
							 &after_offset, &after_dst, tz) < 0)
	{
		clock->exact_only = true;
		return;
	}
	clock->initial_offset = (int64) before_offset * USECS_PER_SEC;
	clock->changes = MemoryContextAlloc(context, sizeof(TimestampTz) * capacity);
	clock->offsets = MemoryContextAlloc(context, sizeof(int64) * capacity);
	for (;;)
	{
		int			found = pg_next_dst_boundary(&cursor, &before_offset, &before_dst, &boundary,
												 &after_offset, &after_dst, tz);

		CHECK_FOR_INTERRUPTS();
		if (found < 0 || clock->nchanges >= MAX_CLOCK_CHANGES)
		{
			clock->exact_only = true;
			return;
		}
		if (found == 0 || boundary >= end)
			break;
		if (clock->nchanges == capacity)
		{
			capacity *= 2;
			clock->changes = repalloc(clock->changes, sizeof(TimestampTz) * capacity);
			clock->offsets = repalloc(clock->offsets, sizeof(int64) * capacity);
		}
		clock->changes[clock->nchanges] = time_t_to_timestamptz(boundary);
		clock->offsets[clock->nchanges] = (int64) after_offset * USECS_PER_SEC;
		clock->nchanges++;
		cursor = boundary;
	}
}

static inline DateADT
date_of_local_time(Timestamp local)
{
	Timestamp	days = local / USECS_PER_DAY;

	if (local % USECS_PER_DAY < 0)
		days--;
	return (DateADT) days;
}

/* (at AT TIME ZONE the ME's zone)::date */
DateADT
local_date(const LocalClock *clock, TimestampTz at)
{
	int			low = 0,
				high = clock->nchanges;
	int64		offset;

	if (clock->exact_only || at < clock->from || at >= clock->to)
		return date_of_local_time(DatumGetTimestamp(DirectFunctionCall2(timestamptz_zone,
																		PointerGetDatum(clock->zone),
																		TimestampTzGetDatum(at))));
	/* the last change at or before at */
	while (low < high)
	{
		int			mid = low + (high - low) / 2;

		if (clock->changes[mid] <= at)
			low = mid + 1;
		else
			high = mid;
	}
	offset = low == 0 ? clock->initial_offset : clock->offsets[low - 1];
	return date_of_local_time(at + offset);
}
