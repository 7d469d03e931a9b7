/*-------------------------------------------------------------------------
 * calendar.c
 *	  wwva.calendar: the periods and every ME's settings in one value, so
 *	  the aggregates can assign a user event to its period without a join
 *	  to wwva.me and without converting its time zone through SQL per row.
 *
 * An event belongs to the period holding its date in the ME's time zone,
 * (occurred_at AT TIME ZONE timezone)::date, which local_clock.c finds.
 * This file reads the value (wwva.make_calendar, in calendar_make.c,
 * writes it), keeps it parsed per call site, and answers the aggregates'
 * questions: which period holds a date or an event, where an ME is.
 *
 * The value is a bytea (domain wwva.calendar) carrying a hash of its
 * contents, so a call site recognises the calendar it already parsed by
 * reading 12 bytes, and rejects a value someone else assembled.
 *-------------------------------------------------------------------------
 */
#include "calendar.h"
#include "periods.h"

#include "access/detoast.h"
#include "common/hashfn.h"
#include "common/pg_prng.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(wwva_event_period);

/* offsets of PostgreSQL's time zones stay far below this; see local_clock_init */
#define CLOCK_MARGIN_DAYS 2
#define MAX_DAY_TABLE	(100 * 366)	/* periods spanning up to a century */

int
compare_me_ids(const char *a, int alen, const char *b, int blen)
{
	int			cmp = memcmp(a, b, Min(alen, blen));

	return cmp != 0 ? cmp : (alen > blen) - (alen < blen);
}

/* Settings are per ME: N and K in range. */
void
me_settings_check(int32 min_transactions, int32 lifetime_periods, const char *function_name)
{
	if (min_transactions < 1 || min_transactions > 65535)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: min_transactions %d is outside 1 to 65535",
						function_name, min_transactions),
				 errhint("min_transactions is the ME's N (wwva.me.active_min_transactions).")));
	if (lifetime_periods < 1 || lifetime_periods > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: lifetime_periods %d is outside 1 to 1000",
						function_name, lifetime_periods),
				 errhint("lifetime_periods is the ME's K (wwva.me.lifetime_periods).")));
}

/*
 * Finding an ME by id runs once per row, and ids are short: an inline hash
 * and byte loop instead of library calls.  It starts from a secret seed
 * and ends in splitmix64's finaliser, so that ids chosen to fill one run
 * of the index (which made every lookup a scan of the run) collide only
 * by chance.
 */
static inline uint32
me_id_hash(const char *id, int len, uint64 seed)
{
	uint64		h = UINT64CONST(0x9E3779B97F4A7C15) ^ seed ^ (uint64) len;

	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char) id[i]) * UINT64CONST(0x100000001B3);
	h ^= h >> 30;
	h *= UINT64CONST(0xbf58476d1ce4e5b9);
	h ^= h >> 27;
	h *= UINT64CONST(0x94d049bb133111eb);
	return (uint32) (h ^ (h >> 31));
}

static inline bool
me_id_equals(const CalendarMe *me, uint32 hash, const char *id, int len)
{
	if (me->me_id_hash != hash || me->me_id_len != len)
		return false;
	for (int i = 0; i < len; i++)
		if (me->me_id[i] != id[i])
			return false;
	return true;
}

/* Position of the ME in the calendar, or -1; *last is tried first and updated. */
static inline int
calendar_me_index(const Calendar *calendar, const char *id, int len, int *last)
{
	uint32		hash = me_id_hash(id, len, calendar->id_seed);
	uint32		slot;

	if (*last < calendar->nmes && me_id_equals(&calendar->mes[*last], hash, id, len))
		return *last;
	for (slot = hash & calendar->index_mask;; slot = (slot + 1) & calendar->index_mask)
	{
		int			me = calendar->index[slot];

		if (me < 0)
			return -1;
		if (me_id_equals(&calendar->mes[me], hash, id, len))
		{
			*last = me;
			return me;
		}
	}
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


/* The periods at the cursor, checked, with the span and day table they give. */
static void
read_periods(Calendar *calendar, StringInfo buf)
{
	calendar->nperiods = reader_int32(buf);
	if (calendar->nperiods < 0 || calendar->nperiods > (buf->len - buf->cursor) / 8)
		malformed_calendar("bad period count");
	calendar->starts = palloc(sizeof(DateADT) * Max(calendar->nperiods, 1));
	calendar->ends = palloc(sizeof(DateADT) * Max(calendar->nperiods, 1));
	for (int i = 0; i < calendar->nperiods; i++)
	{
		CHECK_FOR_INTERRUPTS();
		calendar->starts[i] = reader_int32(buf);
		calendar->ends[i] = reader_int32(buf);
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
}

/* The MEs at the cursor, checked; their ids and zones point into buf. */
static void
read_mes(Calendar *calendar, StringInfo buf)
{
	calendar->nmes = reader_int32(buf);
	if (calendar->nmes < 0 || calendar->nmes > (buf->len - buf->cursor) / 16)
		malformed_calendar("bad ME count");
	calendar->mes = palloc0(sizeof(CalendarMe) * Max(calendar->nmes, 1));
	for (int i = 0; i < calendar->nmes; i++)
	{
		CalendarMe *me = &calendar->mes[i];

		CHECK_FOR_INTERRUPTS();
		me->min_transactions = reader_int32(buf);
		me->lifetime_periods = reader_int32(buf);
		me_settings_check(me->min_transactions, me->lifetime_periods, "wwva.calendar");
		me->me_id = reader_bytes(buf, &me->me_id_len);
		me->timezone = reader_bytes(buf, &me->timezone_len);
		/* both come back as text, in results and messages */
		if (!pg_verifymbstr(me->me_id, me->me_id_len, true) ||
			!pg_verifymbstr(me->timezone, me->timezone_len, true))
			malformed_calendar("an ME id or time zone is not valid text");
		if (i > 0 && compare_me_ids(calendar->mes[i - 1].me_id, calendar->mes[i - 1].me_id_len,
									me->me_id, me->me_id_len) >= 0)
			malformed_calendar("ME ids out of order");
	}
}

/* The span plan at the cursor, checked against the segments; NULL for none. */
static void
read_plan(Calendar *calendar, StringInfo buf)
{
	const char *problem;

	calendar->plan = span_plan_read(buf, CurrentMemoryContext, &problem);
	if (problem != NULL)
		malformed_calendar(problem);
	if (calendar->plan != NULL && calendar->plan->nsegments != calendar->nperiods)
		malformed_calendar("span plan over another grid");
	if (calendar->plan != NULL)
		calendar->plan = span_plan_simplified(calendar->plan);
}

/* An open-addressing index from ME id to position, at most half full. */
static void
index_mes(Calendar *calendar)
{
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
}

static Calendar *
calendar_parse(bytea *value, MemoryContext context)
{
	StringInfoData buf;
	MemoryContext old = MemoryContextSwitchTo(context);
	Calendar   *calendar = palloc0(sizeof(Calendar));
	uint64		hash;
	char	   *copy;

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

	read_periods(calendar, &buf);
	read_mes(calendar, &buf);
	read_plan(calendar, &buf);
	if (buf.cursor != buf.len)
		malformed_calendar("trailing bytes");
	index_mes(calendar);
	/* the ME ids point into a copy that lives as long as the calendar */
	copy = palloc(buf.len);
	memcpy(copy, buf.data, buf.len);
	for (int i = 0; i < calendar->nmes; i++)
	{
		calendar->mes[i].me_id = copy + (calendar->mes[i].me_id - buf.data);
		calendar->mes[i].timezone = copy + (calendar->mes[i].timezone - buf.data);
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
static Calendar *
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

static void
unknown_me_error(const char *function_name, const char *me_id, int me_id_len)
{
	ereport(ERROR,
			(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
			 errmsg("%s: ME \"%.*s\" is not in the calendar", function_name,
					bytes_for_message(me_id, me_id_len), me_id),
			 errhint("Add the ME to wwva.me first; a calendar holds the MEs wwva.me had when it was built, so pass (SELECT wwva.current_calendar()) in the same query.")));
}

/*
 * The calendar position of the ME named by a non-NULL text argument, or -1.
 * The aggregates skip the rows of an ME not in the calendar: a row whose ME
 * is missing from wwva.me (a TRUNCATE, a load with triggers off) must not
 * stop every other ME's statement; wwva.unassigned lists it instead.
 */
int
calendar_me_find(FunctionCallInfo fcinfo, int argno, const Calendar *calendar, int *last_me)
{
	text	   *me_id = PG_GETARG_TEXT_PP(argno);

	return calendar_me_index(calendar, VARDATA_ANY(me_id), VARSIZE_ANY_EXHDR(me_id), last_me);
}

/* The calendar position of the ME named by a non-NULL text argument, or an error. */
int
calendar_me_argument(FunctionCallInfo fcinfo, int argno, const Calendar *calendar,
					 int *last_me, const char *function_name)
{
	int			me = calendar_me_find(fcinfo, argno, calendar, last_me);

	if (me < 0)
	{
		text	   *me_id = PG_GETARG_TEXT_PP(argno);

		unknown_me_error(function_name, VARDATA_ANY(me_id), VARSIZE_ANY_EXHDR(me_id));
	}
	return me;
}

/* The lowest key of a shown span holding the segment, or 0. */
static int32
first_period_of_segment(const SpanPlan *plan, int32 segment)
{
	for (int32 s = 0; s < plan->count; s++)
		if (plan->spans[s].shown && plan->spans[s].first <= segment && segment <= plan->spans[s].last)
			return plan->spans[s].key;
	return 0;
}

/*
 * wwva.event_period(me_id text, occurred_at timestamptz, calendar wwva.calendar)
 *	  returns integer: the 1-based period holding the event's local date in
 *	  the ME's time zone (the first by period_no, when several calendars
 *	  do), or NULL when none does.
 */
Datum
wwva_event_period(PG_FUNCTION_ARGS)
{
	Calendar   *calendar = calendar_for_call(fcinfo, PG_GETARG_DATUM(2));
	int			last = 0;
	int			me = calendar_me_argument(fcinfo, 0, calendar, &last, "wwva.event_period");
	int32		period;

	period = calendar_period_of_event(calendar, me, PG_GETARG_TIMESTAMPTZ(1));
	if (period != 0 && calendar->plan != NULL)
		period = first_period_of_segment(calendar->plan, period);
	if (period == 0)
		PG_RETURN_NULL();
	PG_RETURN_INT32(period);
}
