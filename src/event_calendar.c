/*-------------------------------------------------------------------------
 * event_calendar.c
 *	  wwva.calendar: the periods and every ME's settings in one value, so
 *	  the aggregates can assign a user event to its period without a join
 *	  to wwva.me and without converting its time zone through SQL per row.
 *
 * An event belongs to the period holding its date in the ME's time zone,
 * (occurred_at AT TIME ZONE timezone)::date.  For a zone with a name in
 * the time zone database, the calendar lists the zone's UTC offset changes
 * over the span of the periods once; an event's local date is then its
 * UTC time plus the offset in force, found by binary search.  Zones given
 * as abbreviations, and events outside the span, take PostgreSQL's own
 * timestamptz_zone() instead: the result is the same either way, the
 * first is only faster.
 *
 * The value is a bytea (domain wwva.calendar) carrying a hash of its
 * contents, so a call site recognises the calendar it already parsed by
 * reading 12 bytes, and rejects a value someone else assembled.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "access/detoast.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/scansup.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(wwva_make_calendar);
PG_FUNCTION_INFO_V1(wwva_event_period);

#define CALENDAR_MAGIC	0x57564331	/* "WVC1" */
#define CALENDAR_HEADER (4 + 8)		/* magic, hash of what follows */
#define CALENDAR_HASH_SEED UINT64CONST(0x5757564143414C31)
/* offsets of PostgreSQL's time zones stay far below this; see local_clock_init */
#define CLOCK_MARGIN_DAYS 2
#define MAX_CLOCK_CHANGES 100000
#define MAX_DAY_TABLE	(100 * 366)	/* periods spanning up to a century */

static void
array_argument_values(ArrayType *array, Oid element_type, const char *argument,
					  Datum **values, int *count)
{
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %s must be a one-dimensional array", argument),
				 errhint("Build calendars with wwva.current_calendar().")));
	get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
	deconstruct_array(array, element_type, typlen, typbyval, typalign, values, &nulls, count);
	for (int i = 0; i < *count; i++)
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.make_calendar: %s[%d] is NULL", argument, i + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
}

int
compare_me_ids(const char *a, int alen, const char *b, int blen)
{
	int			cmp = memcmp(a, b, Min(alen, blen));

	return cmp != 0 ? cmp : (alen > blen) - (alen < blen);
}

static pg_tz *zone_by_name(const char *name, int len);
static bool zone_is_known(const char *name, int len);

typedef struct MeArgument
{
	text	   *me_id;
	text	   *timezone;
	int32		min_transactions;
	int32		lifetime_periods;
} MeArgument;

static int
compare_me_arguments(const void *a, const void *b)
{
	const MeArgument *x = a;
	const MeArgument *y = b;

	return compare_me_ids(VARDATA_ANY(x->me_id), VARSIZE_ANY_EXHDR(x->me_id),
						  VARDATA_ANY(y->me_id), VARSIZE_ANY_EXHDR(y->me_id));
}

/*
 * wwva.make_calendar(me_ids text[], timezones text[],
 *					  min_transactions integer[], lifetime_periods integer[],
 *					  starts date[], ends date[]) returns wwva.calendar
 */
Datum
wwva_make_calendar(PG_FUNCTION_ARGS)
{
	Datum	   *me_ids,
			   *timezones,
			   *min_transactions,
			   *lifetime_periods,
			   *starts,
			   *ends;
	int			nmes,
				ntimezones,
				nmin,
				nlifetime,
				nstarts,
				nends;
	MeArgument *mes;
	DateADT    *start_dates,
			   *end_dates;
	StringInfoData buf;
	uint64		hash;
	bytea	   *result;

	for (int i = 0; i < 6; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("wwva.make_calendar: argument %d is NULL", i + 1),
					 errhint("Build calendars with wwva.current_calendar().")));
	array_argument_values(PG_GETARG_ARRAYTYPE_P(0), TEXTOID, "me_ids", &me_ids, &nmes);
	array_argument_values(PG_GETARG_ARRAYTYPE_P(1), TEXTOID, "timezones", &timezones, &ntimezones);
	array_argument_values(PG_GETARG_ARRAYTYPE_P(2), INT4OID, "min_transactions", &min_transactions, &nmin);
	array_argument_values(PG_GETARG_ARRAYTYPE_P(3), INT4OID, "lifetime_periods", &lifetime_periods, &nlifetime);
	array_argument_values(PG_GETARG_ARRAYTYPE_P(4), DATEOID, "starts", &starts, &nstarts);
	array_argument_values(PG_GETARG_ARRAYTYPE_P(5), DATEOID, "ends", &ends, &nends);
	if (ntimezones != nmes || nmin != nmes || nlifetime != nmes)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %d ME ids but %d time zones, %d min_transactions and %d lifetime_periods",
						nmes, ntimezones, nmin, nlifetime),
				 errhint("Pass one entry per ME in each of the four arrays.")));
	if (nstarts != nends)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.make_calendar: %d starts but %d ends", nstarts, nends),
				 errhint("Pass one start and one end per period.")));

	start_dates = palloc(sizeof(DateADT) * Max(nstarts, 1));
	end_dates = palloc(sizeof(DateADT) * Max(nstarts, 1));
	for (int i = 0; i < nstarts; i++)
	{
		start_dates[i] = DatumGetDateADT(starts[i]);
		end_dates[i] = DatumGetDateADT(ends[i]);
	}
	periods_check(start_dates, end_dates, nstarts, "wwva.make_calendar");

	mes = palloc(sizeof(MeArgument) * Max(nmes, 1));
	for (int i = 0; i < nmes; i++)
	{
		mes[i].me_id = DatumGetTextPP(me_ids[i]);
		mes[i].timezone = DatumGetTextPP(timezones[i]);
		mes[i].min_transactions = DatumGetInt32(min_transactions[i]);
		mes[i].lifetime_periods = DatumGetInt32(lifetime_periods[i]);
		user_settings_check(mes[i].min_transactions, mes[i].lifetime_periods,
							"wwva.make_calendar");
		if (!zone_is_known(VARDATA_ANY(mes[i].timezone), VARSIZE_ANY_EXHDR(mes[i].timezone)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wwva.make_calendar: ME \"%s\" has unknown time zone \"%s\"",
							text_for_message(mes[i].me_id), text_for_message(mes[i].timezone)),
					 errhint("Use a name from pg_timezone_names, such as 'Asia/Shanghai' or 'UTC'.")));
	}
	qsort(mes, nmes, sizeof(MeArgument), compare_me_arguments);
	for (int i = 1; i < nmes; i++)
		if (compare_me_arguments(&mes[i - 1], &mes[i]) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("wwva.make_calendar: ME \"%s\" is listed twice", text_for_message(mes[i].me_id)),
					 errhint("Pass each ME once.")));

	pq_begintypsend(&buf);
	pq_sendint32(&buf, CALENDAR_MAGIC);
	pq_sendint64(&buf, 0);		/* the hash, filled in below */
	pq_sendint32(&buf, nstarts);
	for (int i = 0; i < nstarts; i++)
	{
		pq_sendint32(&buf, start_dates[i]);
		pq_sendint32(&buf, end_dates[i]);
	}
	pq_sendint32(&buf, nmes);
	for (int i = 0; i < nmes; i++)
	{
		pq_sendint32(&buf, mes[i].min_transactions);
		pq_sendint32(&buf, mes[i].lifetime_periods);
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(mes[i].me_id));
		pq_sendbytes(&buf, VARDATA_ANY(mes[i].me_id), VARSIZE_ANY_EXHDR(mes[i].me_id));
		pq_sendint32(&buf, VARSIZE_ANY_EXHDR(mes[i].timezone));
		pq_sendbytes(&buf, VARDATA_ANY(mes[i].timezone), VARSIZE_ANY_EXHDR(mes[i].timezone));
	}
	result = pq_endtypsend(&buf);
	hash = hash_bytes_extended((unsigned char *) VARDATA(result) + CALENDAR_HEADER,
							   VARSIZE(result) - VARHDRSZ - CALENDAR_HEADER, CALENDAR_HASH_SEED);
	hash = pg_hton64(hash);
	memcpy(VARDATA(result) + 4, &hash, sizeof(hash));
	PG_RETURN_BYTEA_P(result);
}

/* ---------------------------------------------------------------------
 * Local dates
 * ---------------------------------------------------------------------
 */

/* Whether PostgreSQL reads the name as a time zone abbreviation. */
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
static bool
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
static void
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
static DateADT
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

/* 1-based period holding day, or 0 */
int32
calendar_period_of_date(const Calendar *calendar, DateADT day)
{
	if (calendar->period_of_day != NULL)
	{
		int64		offset = (int64) day - calendar->first_day;

		return offset >= 0 && offset < calendar->ndays ? calendar->period_of_day[offset] : 0;
	}
	return period_search(calendar->starts, calendar->ends, calendar->nperiods, day);
}

/* 1-based period of an event of the calendar's ME number me (0-based), or 0 */
int32
calendar_period_of_event(Calendar *calendar, int me, TimestampTz at)
{
	CalendarMe *entry = &calendar->mes[me];

	if (calendar->nperiods == 0 || TIMESTAMP_NOT_FINITE(at))
		return 0;
	if (!entry->clock_ready)
	{
		local_clock_init(&entry->clock, entry->timezone, entry->timezone_len,
						 calendar->span_from, calendar->span_to, calendar->context);
		entry->clock_ready = true;
	}
	return calendar_period_of_date(calendar, local_date(&entry->clock, at));
}

/* ---------------------------------------------------------------------
 * Reading a calendar value
 * ---------------------------------------------------------------------
 */

static void
malformed_calendar(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("malformed wwva.calendar: %s", what),
			 errhint("Build calendars with wwva.current_calendar() or wwva.make_calendar().")));
}

static uint64
stored_hash(bytea *value)
{
	uint64		hash;

	memcpy(&hash, VARDATA_ANY(value) + 4, sizeof(hash));
	return hash;
}

static int
reader_int32(StringInfo buf)
{
	if (buf->len - buf->cursor < 4)
		malformed_calendar("truncated");
	return pq_getmsgint(buf, 4);
}

static const char *
reader_bytes(StringInfo buf, int *len)
{
	*len = reader_int32(buf);
	if (*len < 0 || *len > buf->len - buf->cursor)
		malformed_calendar("truncated");
	return pq_getmsgbytes(buf, *len);
}

/* midnight UTC of day, clamped to the range of timestamps */
static TimestampTz
day_start(int64 day)
{
	const int64 last_day = PG_INT64_MAX / USECS_PER_DAY - 1;

	return (TimestampTz) (Max(Min(day, last_day), -last_day) * USECS_PER_DAY);
}

static Calendar *
calendar_parse(bytea *value, MemoryContext context)
{
	StringInfoData buf;
	MemoryContext old = MemoryContextSwitchTo(context);
	Calendar   *calendar = palloc0(sizeof(Calendar));
	uint64		hash;

	state_reader_init(&buf, value);
	if (buf.len < CALENDAR_HEADER || pq_getmsgint(&buf, 4) != CALENDAR_MAGIC)
		malformed_calendar("bad header");
	hash = hash_bytes_extended((unsigned char *) buf.data + CALENDAR_HEADER,
							   buf.len - CALENDAR_HEADER, CALENDAR_HASH_SEED);
	if (pg_hton64(hash) != stored_hash(value))
		malformed_calendar("contents do not match their hash");
	buf.cursor = CALENDAR_HEADER;
	calendar->hash = stored_hash(value);
	calendar->size = buf.len;
	calendar->context = context;

	calendar->nperiods = reader_int32(&buf);
	if (calendar->nperiods < 0 || calendar->nperiods > (buf.len - buf.cursor) / 8)
		malformed_calendar("bad period count");
	calendar->starts = palloc(sizeof(DateADT) * Max(calendar->nperiods, 1));
	calendar->ends = palloc(sizeof(DateADT) * Max(calendar->nperiods, 1));
	for (int i = 0; i < calendar->nperiods; i++)
	{
		CHECK_FOR_INTERRUPTS();
		calendar->starts[i] = reader_int32(&buf);
		calendar->ends[i] = reader_int32(&buf);
	}
	periods_check(calendar->starts, calendar->ends, calendar->nperiods, "wwva.calendar");
	if (calendar->nperiods > 0)
	{
		calendar->span_from = day_start(calendar->starts[0] - CLOCK_MARGIN_DAYS);
		calendar->span_to = day_start(calendar->ends[calendar->nperiods - 1] + CLOCK_MARGIN_DAYS);
	}

	calendar->period_of_day = NULL;
	if (calendar->nperiods > 0 &&
		(int64) calendar->ends[calendar->nperiods - 1] - calendar->starts[0] <= MAX_DAY_TABLE)
	{
		/* a spell of days as short as this is cheaper to look up than to search */
		calendar->first_day = calendar->starts[0];
		calendar->ndays = calendar->ends[calendar->nperiods - 1] - calendar->starts[0];
		calendar->period_of_day = palloc0(sizeof(int32) * calendar->ndays);
		for (int p = 0; p < calendar->nperiods; p++)
			for (DateADT d = calendar->starts[p]; d < calendar->ends[p]; d++)
				calendar->period_of_day[d - calendar->first_day] = p + 1;
	}

	calendar->nmes = reader_int32(&buf);
	if (calendar->nmes < 0 || calendar->nmes > (buf.len - buf.cursor) / 16)
		malformed_calendar("bad ME count");
	calendar->mes = palloc0(sizeof(CalendarMe) * Max(calendar->nmes, 1));
	for (int i = 0; i < calendar->nmes; i++)
	{
		CalendarMe *me = &calendar->mes[i];

		CHECK_FOR_INTERRUPTS();
		me->min_transactions = reader_int32(&buf);
		me->lifetime_periods = reader_int32(&buf);
		user_settings_check(me->min_transactions, me->lifetime_periods, "wwva.calendar");
		me->me_id = reader_bytes(&buf, &me->me_id_len);
		me->timezone = reader_bytes(&buf, &me->timezone_len);
		/* both come back as text, in results and messages */
		if (!pg_verifymbstr(me->me_id, me->me_id_len, true) ||
			!pg_verifymbstr(me->timezone, me->timezone_len, true))
			malformed_calendar("an ME id or time zone is not valid text");
		if (i > 0 && compare_me_ids(calendar->mes[i - 1].me_id, calendar->mes[i - 1].me_id_len,
									me->me_id, me->me_id_len) >= 0)
			malformed_calendar("ME ids out of order");
	}
	if (buf.cursor != buf.len)
		malformed_calendar("trailing bytes");
	/* an open-addressing index from ME id to position, at most half full */
	calendar->id_seed = pg_prng_uint64(&pg_global_prng_state);
	calendar->index_mask = 1;
	while (calendar->index_mask < (uint32) calendar->nmes * 2)
		calendar->index_mask <<= 1;
	calendar->index = palloc(sizeof(int) * calendar->index_mask);
	memset(calendar->index, -1, sizeof(int) * calendar->index_mask);
	calendar->index_mask--;
	for (int i = 0; i < calendar->nmes; i++)
	{
		uint32		slot;

		CHECK_FOR_INTERRUPTS();
		calendar->mes[i].me_id_hash = me_id_hash(calendar->mes[i].me_id, calendar->mes[i].me_id_len,
												 calendar->id_seed);
		slot = calendar->mes[i].me_id_hash & calendar->index_mask;

		while (calendar->index[slot] >= 0)
			slot = (slot + 1) & calendar->index_mask;
		calendar->index[slot] = i;
	}
	/* the ME ids point into a copy that lives as long as the calendar */
	{
		char	   *copy = palloc(buf.len);

		memcpy(copy, buf.data, buf.len);
		for (int i = 0; i < calendar->nmes; i++)
		{
			calendar->mes[i].me_id = copy + (calendar->mes[i].me_id - buf.data);
			calendar->mes[i].timezone = copy + (calendar->mes[i].timezone - buf.data);
		}
	}
	MemoryContextSwitchTo(old);
	return calendar;
}

/*
 * The parsed calendar for this value, cached at the call site: a value
 * with the same size and hash as the last one is the same calendar.  Only
 * those are read on every row, not the whole value: detoasting a large
 * calendar per row cost as much as the value was long.
 */
Calendar *
calendar_for_call(FunctionCallInfo fcinfo, Datum value)
{
	Calendar   *cached = (Calendar *) fcinfo->flinfo->fn_extra;
	Size		size = toast_raw_datum_size(value) - VARHDRSZ;
	bytea	   *header;
	bytea	   *calendar_value;
	Calendar   *calendar;

	if (size < CALENDAR_HEADER)
		malformed_calendar("bad header");
	header = DatumGetByteaPSlice(value, 0, CALENDAR_HEADER);
	if (cached != NULL && cached->size == (int) size && cached->hash == stored_hash(header))
		return cached;
	calendar_value = DatumGetByteaPP(value);
	calendar = calendar_parse(calendar_value,
							  AllocSetContextCreate(fcinfo->flinfo->fn_mcxt, "wwva calendar",
													ALLOCSET_SMALL_SIZES));
	if (cached != NULL)
		MemoryContextDelete(cached->context);
	fcinfo->flinfo->fn_extra = calendar;
	return calendar;
}

/*
 * The calendar argument of a per-ME aggregate's transition: not NULL, and
 * the one the state was started with (expected_hash, or NULL on the first
 * row).
 */
Calendar *
calendar_argument(FunctionCallInfo fcinfo, int argno, const uint64 *expected_hash,
				  const char *function_name)
{
	Calendar   *calendar;

	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: calendar is NULL", function_name),
				 errhint("Pass (SELECT wwva.current_calendar()).")));
	calendar = calendar_for_call(fcinfo, PG_GETARG_DATUM(argno));
	if (expected_hash != NULL && *expected_hash != calendar->hash)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: the calendar changed within one aggregation", function_name),
				 errhint("Pass the same (SELECT wwva.current_calendar()) for every row.")));
	return calendar;
}

/* The calendar position of the ME named by a non-NULL text argument, or an error. */
int
calendar_me_argument(FunctionCallInfo fcinfo, int argno, const Calendar *calendar,
					 int *last_me, const char *function_name)
{
	text	   *me_id = PG_GETARG_TEXT_PP(argno);
	int			me = calendar_me_index(calendar, VARDATA_ANY(me_id), VARSIZE_ANY_EXHDR(me_id), last_me);

	if (me < 0)
		unknown_me_error(function_name, VARDATA_ANY(me_id), VARSIZE_ANY_EXHDR(me_id));
	return me;
}

void
unknown_me_error(const char *function_name, const char *me_id, int me_id_len)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("%s: ME \"%.*s\" is not in the calendar", function_name,
					bytes_for_message(me_id, me_id_len), me_id),
			 errhint("Pass (SELECT wwva.current_calendar()) from the same query, after the ME is in wwva.me.")));
}

/*
 * wwva.event_period(me_id text, occurred_at timestamptz, calendar wwva.calendar)
 *	  returns integer: the 1-based period holding the event's local date in
 *	  the ME's time zone, or NULL when none does.
 */
Datum
wwva_event_period(PG_FUNCTION_ARGS)
{
	Calendar   *calendar = calendar_for_call(fcinfo, PG_GETARG_DATUM(2));
	int			last = 0;
	int			me = calendar_me_argument(fcinfo, 0, calendar, &last, "wwva.event_period");
	int32		period;

	period = calendar_period_of_event(calendar, me, PG_GETARG_TIMESTAMPTZ(1));
	if (period == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(period);
}
