/*-------------------------------------------------------------------------
 * wwva.h
 *	  Shared declarations of the wwva extension.
 *-------------------------------------------------------------------------
 */
#ifndef WWVA_H
#define WWVA_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/date.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

/* money.c: exact numeric helpers shared by the functions and aggregates */
extern bool numeric_is_finite(Numeric num);
extern Numeric numeric_zero(void);
extern Numeric numeric_plus(Numeric a, Numeric b);
extern Numeric numeric_minus(Numeric a, Numeric b);
extern Numeric numeric_times(Numeric a, Numeric b);
extern int	numeric_compare(Numeric a, Numeric b);
extern Numeric numeric_exact_quotient(Numeric dividend, Numeric divisor);
extern char *numeric_to_text(Numeric num);
extern Numeric numeric_from_text(const char *text);

/*
 * exact_sum.c: a running exact sum kept in a long-lived memory context, as
 * a 128-bit scaled integer while it fits and a numeric beyond.
 */
typedef struct ExactSum
{
	Numeric		slow;			/* NULL means 0 */
#ifdef HAVE_INT128
	int128		fast;			/* in units of 10^-fast_scale */
	int32		fast_scale;		/* -1 until the first value */
#endif
} ExactSum;

extern void exact_sum_init(ExactSum *sum);
extern bool exact_sum_add_datum(ExactSum *sum, Datum value, MemoryContext context);
extern void exact_sum_add(ExactSum *sum, Numeric addend, MemoryContext context);
extern void exact_sum_merge(ExactSum *sum, const ExactSum *other, MemoryContext context);
extern Numeric exact_sum_value(const ExactSum *sum);

/* calendar.c: periods as sorted date arrays */
extern void periods_check(const DateADT *starts, const DateADT *ends, int count,
						  const char *function_name);
extern int32 period_search(const DateADT *starts, const DateADT *ends, int count, DateADT day);

/* event_calendar.c: periods and ME settings in one wwva.calendar value */
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
	int			nperiods;
	DateADT    *starts;
	DateADT    *ends;
	int32	   *period_of_day;	/* period of each day from first_day, or NULL */
	DateADT		first_day;
	int32		ndays;
	TimestampTz span_from;		/* the periods, widened by two days */
	TimestampTz span_to;
	int			nmes;
	CalendarMe *mes;			/* sorted by me_id, bytewise */
	int		   *index;			/* hash of me_id -> position in mes, -1 empty */
	uint32		index_mask;
	uint64		id_seed;		/* random per parse, so no ids can be made to collide */
} Calendar;

extern Calendar *calendar_for_call(FunctionCallInfo fcinfo, Datum value);
extern Calendar *calendar_argument(FunctionCallInfo fcinfo, int argno, const uint64 *expected_hash,
								   const char *function_name);
extern int	calendar_me_argument(FunctionCallInfo fcinfo, int argno, const Calendar *calendar,
								 int *last_me, const char *function_name);
extern int	compare_me_ids(const char *a, int alen, const char *b, int blen);

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

extern int32 calendar_period_of_date(const Calendar *calendar, DateADT day);
extern int32 calendar_period_of_event(Calendar *calendar, int me, TimestampTz at);
extern void unknown_me_error(const char *function_name, const char *me_id, int me_id_len);

/* user_agg.c: N and K in range, or an error naming function_name */
extern void user_settings_check(int32 min_transactions, int32 lifetime_periods,
								const char *function_name);

/* Text datum equal to a C string literal, without detoasting copies. */
static inline bool
text_equals(text *value, const char *literal)
{
	size_t		len = strlen(literal);	/* folded for literals: this runs per row */

	return VARSIZE_ANY_EXHDR(value) == len &&
		memcmp(VARDATA_ANY(value), literal, len) == 0;
}

extern char *text_for_message(text *value);
extern int	bytes_for_message(const char *bytes, int len);

/*
 * A map from period number to a pointer, for the per-ME periods of the
 * aggregate states: its memory follows the periods present, never the
 * largest period number, so a state naming period 1,000,000 costs what one
 * naming period 1 does.  Entries are kept in arrival order and sorted on
 * demand; a lookup is a hash probe (with a seed of its own, so no input
 * can be crafted to collide), the previous hit tried first.
 */
typedef struct PeriodEntry
{
	int32		period_no;
	void	   *value;
} PeriodEntry;

typedef struct PeriodMap
{
	MemoryContext context;
	int32		count;
	int32		capacity;
	PeriodEntry *entries;		/* ascending by period_no when sorted */
	bool		sorted;
	int32	   *index;			/* position in entries by hash, -1 empty; NULL when stale */
	uint32		index_mask;
	uint32		seed;
	int32		last;			/* position found by the previous lookup */
} PeriodMap;

extern void period_map_init(PeriodMap *map, MemoryContext context);
extern void *period_map_get(PeriodMap *map, int32 period_no);
extern void **period_map_slot(PeriodMap *map, int32 period_no);
extern void period_map_reserve(PeriodMap *map, int32 count);
extern void period_map_append(PeriodMap *map, int32 period_no, void *value);
extern void period_map_sort(PeriodMap *map);
extern void period_map_free(PeriodMap *map);

/* Aggregate support: the aggregate memory context or an error. */
extern MemoryContext wwva_aggregate_context(FunctionCallInfo fcinfo, const char *function_name);

/* Reading a serialized aggregate state: a cursor over the bytea's bytes. */
extern void state_reader_init(StringInfo buf, bytea *flat);
extern const char *state_reader_string(StringInfo buf);
extern Numeric state_reader_numeric(StringInfo buf);

/* A function returning an array of a composite type: its rows, then the array. */
typedef struct CompositeArrayBuilder
{
	Oid			row_type;
	TupleDesc	desc;
	int16		typlen;
	bool		typbyval;
	char		typalign;
} CompositeArrayBuilder;

extern void composite_array_begin(CompositeArrayBuilder *builder, FunctionCallInfo fcinfo,
								  int natts, const char *function_name);
extern Datum composite_array_row(CompositeArrayBuilder *builder, Datum *values);
extern ArrayType *composite_array_end(CompositeArrayBuilder *builder, Datum *rows, int nrows);

/*
 * A two-dimensional array of a built-in type, nrows x ncols, from elements
 * in row order: what the per-ME "by period" aggregates return, because only
 * built-in and extension-member types can be shipped by postgres_fdw.
 */
extern ArrayType *matrix_array(Datum *elements, int nrows, int ncols, Oid element_type);
extern void single_me_error(const char *function_name, const char *first_me_id,
							int first_len, const char *second_me_id, int second_len);

#endif							/* WWVA_H */
