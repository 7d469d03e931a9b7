/*-------------------------------------------------------------------------
 * user_agg.c
 *	  Section 1 of the statement in one pass over the user events:
 *
 *	  wwva.user_resource_counts(me_id, user_id, kind, occurred_at, calendar)
 *		every ME and period at once, with or without GROUP BY me_id;
 *	  wwva.user_resource_counts(user_id, kind, period_no, N, K)
 *		the periods of one ME, for callers that assign periods themselves.
 *
 * Per ME and period the state keeps the users seen there, each with its
 * transaction count and whether it interacted or co-created, plus the
 * period's count of customization events.  Lifetime users need an ME's
 * earlier periods, so the final function sees all periods of an ME at once.
 *
 * A user is kept under a 64-bit key that is a bijective mix of its id, so
 * counts stay exact.  Each ME and period keeps its users as an array sorted
 * by key, 16 bytes per user, and the events that have not reached it yet in
 * a short buffer beside it.  A full buffer is radix-sorted and merged into
 * the array in one sequential pass: with ids in random order, that is far
 * cheaper than a hash table whose every insert misses the cache once the
 * sets outgrow it.  The buffer holds at most a quarter of the array (or 256
 * events, growing from 8 with a pair's first events), so a user costs at
 * most 20 bytes and a pair with few events little more than they take.
 * Partial states travel sorted, so combining them is a linear merge too,
 * and counting lifetime users is a merge join over the window of periods.
 *
 * Period numbers run from 1 to MAX_PERIOD_NO (1,000,000); a number outside
 * is an error with a hint.  An ME keeps only the periods it has (a
 * PeriodMap), so memory follows what the rows or a state's bytes hold: a
 * state read back takes about 90 bytes per ME, 80 per period and 16 per
 * user (for 16 bytes and the id, 16 and 13 of the state), whatever its
 * period numbers: at most about 6 bytes per byte read.  Every loop over a
 * state's MEs, periods or users checks for interrupts; counting the lifetime
 * users of a state costs at most K merge steps per user, so a call runs in
 * time proportional to its input times K (at most 1000).
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "calendar.h"
#include "user_entries.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(wwva_me_user_counts_transition);
PG_FUNCTION_INFO_V1(wwva_me_user_counts_final);
PG_FUNCTION_INFO_V1(wwva_user_counts_by_period_final);
PG_FUNCTION_INFO_V1(wwva_user_counts_transition);
PG_FUNCTION_INFO_V1(wwva_user_counts_combine);
PG_FUNCTION_INFO_V1(wwva_user_counts_serialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_deserialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_final);
PG_FUNCTION_INFO_V1(wwva_user_state_union_transition);
PG_FUNCTION_INFO_V1(wwva_user_state_counts);
PG_FUNCTION_INFO_V1(wwva_user_state_pairs);

#define USER_STATE_MAGIC 0x57565532	/* "WVU2" */
#define MAX_PERIOD_NO	1000000
#define FIRST_BUFFER	8
#define MIN_BUFFER		256
#define MAX_SET_USERS	((uint32) (MaxAllocHugeSize / sizeof(UserEntry) / 2))

/* The users of one period: sorted distinct keys, and events still to merge. */
typedef struct UserSet
{
	UserEntry  *entries;
	uint32		count;
	UserEntry  *buffer;			/* in arrival order, keys may repeat */
	uint32		nbuffered;
	uint32		buffer_size;	/* allocated */
} UserSet;

typedef struct PeriodUsers
{
	UserSet		users;
	int64		customizations;
} PeriodUsers;

typedef struct MeUsers
{
	char	   *me_id;			/* NULL until the ME has a row */
	int			me_id_len;
	int32		min_transactions;
	int32		lifetime_periods;
	PeriodMap	periods;		/* period number -> PeriodUsers, for those present */
} MeUsers;

typedef struct UserState
{
	MemoryContext context;
	int			nmes;
	MeUsers    *mes;			/* sorted by me_id */
	uint64		calendar_hash;	/* of the calendar the rows came with */
	int			last_me;		/* where the previous row went */
	bool		buffered;		/* some set may hold events still to merge */
	UserEntry  *scratch;		/* room for sorting a buffer */
	uint32		scratch_size;
} UserState;

/* splitmix64's finaliser: a bijection, so distinct ids keep distinct keys */
static inline uint64
user_key(int64 user_id)
{
	uint64		x = (uint64) user_id;

	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

/*
 * The union of the sorted distinct arrays a and b (either may be empty) as
 * a new array; the inputs are freed.
 */
static UserEntry *
merge_sorted(UserEntry *a, uint32 na, UserEntry *b, uint32 nb, uint32 *count,
			 MemoryContext context)
{
	UserEntry  *merged;

	if ((uint64) na + nb > MAX_SET_USERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wwva.user_resource_counts: too many users in one period of one ME")));
	merged = MemoryContextAllocHuge(context, sizeof(UserEntry) * Max((Size) na + nb, 1));
	*count = user_entries_merge(a, na, b, nb, merged);
	if (a)
		pfree(a);
	if (b)
		pfree(b);
	return merged;
}

/* Sorts the buffered events and merges them into the users. */
static void
user_set_flush(UserSet *set, UserState *state)
{
	uint32		n;
	UserEntry  *sorted;

	if (set->nbuffered == 0)
		return;
	if (state->scratch_size < set->nbuffered)
	{
		if (state->scratch)
			pfree(state->scratch);
		state->scratch_size = Max(set->buffer_size, MIN_BUFFER);
		state->scratch = MemoryContextAllocHuge(state->context,
												sizeof(UserEntry) * state->scratch_size);
	}
	user_entries_sort(set->buffer, set->nbuffered, state->scratch);
	n = user_entries_fold(set->buffer, set->nbuffered);
	sorted = MemoryContextAllocHuge(state->context, sizeof(UserEntry) * n);
	memcpy(sorted, set->buffer, sizeof(UserEntry) * n);
	set->entries = merge_sorted(set->entries, set->count, sorted, n, &set->count,
								state->context);
	set->nbuffered = 0;
	/* the next buffer may hold a quarter of the users: merges stay linear overall */
	if (set->buffer_size < set->count / 4)
	{
		pfree(set->buffer);
		set->buffer_size = set->count / 4;
		set->buffer = MemoryContextAllocHuge(state->context, sizeof(UserEntry) * set->buffer_size);
	}
}

/* One event of a user: transactions and flags it adds. */
static inline void
user_set_add(UserSet *set, UserState *state, uint64 key, uint32 transactions, uint8 flags)
{
	UserEntry  *event;

	state->buffered = true;
	if (set->nbuffered == set->buffer_size)
	{
		if (set->buffer == NULL)
		{
			set->buffer_size = FIRST_BUFFER;
			set->buffer = MemoryContextAlloc(state->context, sizeof(UserEntry) * FIRST_BUFFER);
		}
		else if (set->buffer_size < MIN_BUFFER)
		{
			/* grown with the first events, so that a pair of few events stays small */
			set->buffer_size *= 2;
			set->buffer = repalloc(set->buffer, sizeof(UserEntry) * set->buffer_size);
		}
		else
			user_set_flush(set, state);
	}
	event = &set->buffer[set->nbuffered++];
	event->key = key;
	event->transactions = transactions;
	event->flags = flags;
}

/* Releases the buffer once no more events will come. */
static void
user_set_finish(UserSet *set, UserState *state)
{
	user_set_flush(set, state);
	if (set->buffer)
		pfree(set->buffer);
	set->buffer = NULL;
	set->buffer_size = 0;
}

/*
 * Adds the finished set from into the set into; from is emptied.  A set
 * much smaller than into goes through into's buffer, so that merging many
 * small states into one (the union aggregate) stays linear, not a copy of
 * the whole set per state.
 */
static void
user_set_merge(UserSet *into, UserSet *from, UserState *state)
{
	if (from->count == 0)
		return;
	if (from->count < into->count / 4)
	{
		for (uint32 u = 0; u < from->count; u++)
			user_set_add(into, state, from->entries[u].key, from->entries[u].transactions,
						 from->entries[u].flags);
		pfree(from->entries);
	}
	else
		into->entries = merge_sorted(into->entries, into->count, from->entries, from->count,
									 &into->count, state->context);
	from->entries = NULL;
	from->count = 0;
}

/* Every row of an ME must carry the same settings. */
static void
me_settings(MeUsers *me, int32 min_transactions, int32 lifetime_periods)
{
	me_settings_check(min_transactions, lifetime_periods, "wwva.user_resource_counts");
	if (me->min_transactions == 0)
	{
		me->min_transactions = min_transactions;
		me->lifetime_periods = lifetime_periods;
	}
	else if (me->min_transactions != min_transactions ||
			 me->lifetime_periods != lifetime_periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: settings (N %d, K %d) differ from (N %d, K %d) within one ME",
						min_transactions, lifetime_periods,
						me->min_transactions, me->lifetime_periods),
				 errhint("Group by ME: N and K are per-ME settings.")));
}

static UserState *
user_state_new(MemoryContext context, int nmes)
{
	UserState  *state = MemoryContextAllocZero(context, sizeof(UserState));

	state->context = context;
	state->nmes = nmes;
	state->mes = MemoryContextAllocZero(context, sizeof(MeUsers) * Max(nmes, 1));
	return state;
}

/* The ME gets its id (and a map of no periods yet): it has rows. */
static void
me_set_id(UserState *state, MeUsers *me, const char *me_id, int me_id_len)
{
	me->me_id = MemoryContextAlloc(state->context, me_id_len + 1);
	memcpy(me->me_id, me_id, me_id_len);
	me->me_id[me_id_len] = '\0';
	me->me_id_len = me_id_len;
	period_map_init(&me->periods, state->context);
}

/* The ME's period with this number, empty when new. */
static PeriodUsers *
period_users(UserState *state, MeUsers *me, int32 period_no)
{
	void	  **slot = period_map_slot(&me->periods, period_no);

	if (*slot == NULL)
		*slot = MemoryContextAllocZero(state->context, sizeof(PeriodUsers));
	return (PeriodUsers *) *slot;
}

static inline PeriodUsers *
period_at(const MeUsers *me, int32 position)
{
	return (PeriodUsers *) me->periods.entries[position].value;
}

static bool
period_present(const PeriodUsers *period)
{
	return period->users.count > 0 || period->users.nbuffered > 0 || period->customizations > 0;
}

/* Every set of the state merged and without buffer: before it is read or sent. */
static void
finish_sets(UserState *state)
{
	if (state->buffered)
	{
		for (int i = 0; i < state->nmes; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int32 k = 0; k < state->mes[i].periods.count; k++)
				user_set_finish(&period_at(&state->mes[i], k)->users, state);
		}
		state->buffered = false;
	}
	if (state->scratch)
		pfree(state->scratch);
	state->scratch = NULL;
	state->scratch_size = 0;
}

/* One event in a period; false for an unknown kind. */
static bool
add_event(UserState *state, PeriodUsers *period, int64 user_id, text *kind)
{
	if (text_equals(kind, "interaction"))
		user_set_add(&period->users, state, user_key(user_id), 0, USER_INTERACTED);
	else if (text_equals(kind, "transaction"))
		user_set_add(&period->users, state, user_key(user_id), 1, 0);
	else if (text_equals(kind, "customization"))
		period->customizations++;
	else if (text_equals(kind, "co_creation"))
		user_set_add(&period->users, state, user_key(user_id), 0, USER_CO_CREATED);
	else
		return false;
	return true;
}

static void
unknown_kind_error(text *kind)
{
	if (kind == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: event kind is NULL"),
				 errhint("kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("wwva.user_resource_counts: unknown event kind \"%s\"", text_for_message(kind)),
			 errhint("kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.")));
}

/*
 * Transition of wwva.user_resource_counts(user_id, kind, period_no, N, K).
 * Rows without a period (NULL period_no: outside every period) or without a
 * user are skipped; wwva.unassigned lists them.
 */
Datum
wwva_user_counts_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_transition");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	MeUsers    *me;

	if (state == NULL)
	{
		state = user_state_new(aggcontext, 1);
		me_set_id(state, &state->mes[0], "", 0);
	}
	me = &state->mes[0];
	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: min_transactions and lifetime_periods must not be NULL"),
				 errhint("Pass the ME's wwva.me.active_min_transactions and lifetime_periods.")));
	me_settings(me, PG_GETARG_INT32(4), PG_GETARG_INT32(5));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(2))
		unknown_kind_error(NULL);
	if (PG_GETARG_INT32(3) < 1 || PG_GETARG_INT32(3) > MAX_PERIOD_NO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: period number %d is outside 1 to %d",
						PG_GETARG_INT32(3), MAX_PERIOD_NO),
				 errhint("Pass the period's 1-based position from wwva.period_index().")));
	if (!add_event(state, period_users(state, me, PG_GETARG_INT32(3)), PG_GETARG_INT64(1),
				   PG_GETARG_TEXT_PP(2)))
		unknown_kind_error(PG_GETARG_TEXT_PP(2));
	PG_RETURN_POINTER(state);
}

/*
 * Transition of wwva.user_resource_counts(me_id, user_id, kind, occurred_at,
 * calendar).  Events outside every period are skipped (wwva.unassigned
 * lists them); the ME's settings and time zone come from the calendar.
 */
Datum
wwva_me_user_counts_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.me_user_counts_transition");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	Calendar   *calendar = calendar_argument(fcinfo, 5, state ? &state->calendar_hash : NULL,
											 "wwva.user_resource_counts");
	int			me;
	MeUsers    *slot;
	int32		period_no;

	if (state == NULL)
	{
		state = user_state_new(aggcontext, calendar->nmes);
		state->calendar_hash = calendar->hash;
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: me_id is NULL"),
				 errhint("Every user event belongs to an ME.")));
	if (PG_ARGISNULL(2) || PG_ARGISNULL(4))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(3))
		unknown_kind_error(NULL);

	me = calendar_me_argument(fcinfo, 1, calendar, &state->last_me, "wwva.user_resource_counts");
	slot = &state->mes[me];
	if (slot->me_id == NULL)
	{
		me_set_id(state, slot, calendar->mes[me].me_id, calendar->mes[me].me_id_len);
		slot->min_transactions = calendar->mes[me].min_transactions;
		slot->lifetime_periods = calendar->mes[me].lifetime_periods;
	}
	period_no = calendar_period_of_event(calendar, me, PG_GETARG_TIMESTAMPTZ(4));
	if (period_no == 0)
		PG_RETURN_POINTER(state);
	if (!add_event(state, period_users(state, slot, period_no), PG_GETARG_INT64(2),
				   PG_GETARG_TEXT_PP(3)))
		unknown_kind_error(PG_GETARG_TEXT_PP(3));
	PG_RETURN_POINTER(state);
}

static int
compare_me(const MeUsers *a, const MeUsers *b)
{
	return compare_me_ids(a->me_id, a->me_id_len, b->me_id, b->me_id_len);
}

/* Adds the finished ME from into the ME into; from is consumed. */
static void
merge_me(UserState *state, MeUsers *into, MeUsers *from)
{
	me_settings(into, from->min_transactions, from->lifetime_periods);
	for (int32 k = 0; k < from->periods.count; k++)
	{
		PeriodUsers *source = period_at(from, k);
		PeriodUsers *target;

		CHECK_FOR_INTERRUPTS();
		if (period_present(source))
		{
			target = period_users(state, into, from->periods.entries[k].period_no);
			if (pg_add_s64_overflow(target->customizations, source->customizations,
									&target->customizations))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("wwva.user_resource_state: customization count of ME \"%.*s\" period %d is out of range",
								bytes_for_message(into->me_id, into->me_id_len), into->me_id,
								from->periods.entries[k].period_no),
						 errhint("The states add up to more than 2^63 - 1 customizations; one of them is not a real state.")));
			user_set_merge(&target->users, &source->users, state);
		}
		pfree(source);
	}
	period_map_free(&from->periods);
	pfree(from->me_id);
}

/*
 * The union of two states, ME by ME in me_id order, in the memory of state.
 * other is consumed: its sets are moved rather than copied, and it is
 * adopted whole when state is NULL.
 */
static UserState *
user_state_combine(UserState *state, UserState *other, MemoryContext context)
{
	MeUsers    *merged;
	int			i = 0,
				j = 0,
				n = 0;

	if (other == NULL)
		return state;
	finish_sets(other);
	if (state == NULL)
	{
		other->context = context;
		return other;
	}
	/* state's own buffers may stay: a merge adds to a set's merged users */
	merged = MemoryContextAllocZero(context, sizeof(MeUsers) * Max(state->nmes + other->nmes, 1));
	while (i < state->nmes || j < other->nmes)
	{
		MeUsers    *a = i < state->nmes ? &state->mes[i] : NULL;
		MeUsers    *b = j < other->nmes ? &other->mes[j] : NULL;
		int			cmp;

		if (a && a->me_id == NULL)
		{
			i++;
			continue;
		}
		if (b && b->me_id == NULL)
		{
			j++;
			continue;
		}
		cmp = a == NULL ? 1 : b == NULL ? -1 : compare_me(a, b);
		if (cmp < 0)
			merged[n++] = state->mes[i++];
		else if (cmp > 0)
			merged[n++] = other->mes[j++];
		else
		{
			merge_me(state, a, b);
			merged[n++] = state->mes[i++];
			j++;
		}
	}
	pfree(state->mes);
	state->mes = merged;
	state->nmes = n;
	state->last_me = 0;
	pfree(other->mes);
	pfree(other);
	return state;
}

/*
 * Combine.  The second state is one deserialize just built in the aggregate
 * context (PostgreSQL always serializes partial states of internal type),
 * so it may be consumed.
 */
Datum
wwva_user_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_combine");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	UserState  *other = PG_ARGISNULL(1) ? NULL : (UserState *) PG_GETARG_POINTER(1);

	state = user_state_combine(state, other, aggcontext);
	if (state == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state);
}

/*
 * Flat form (network byte order): magic, number of MEs, then per ME:
 * me_id (length, bytes), N, K, number of periods present, and per period:
 * period_no, customizations, number of users, and per user in ascending
 * key order: key (8 bytes), transactions (4), flags (1).
 */
#define SERIALIZED_USER_SIZE 13

static void
write_me_header(StringInfo buf, const MeUsers *me, int32 present)
{
	pq_sendint32(buf, me->me_id_len);
	pq_sendbytes(buf, me->me_id, me->me_id_len);
	pq_sendint32(buf, me->min_transactions);
	pq_sendint32(buf, me->lifetime_periods);
	pq_sendint32(buf, present);
}

static void
write_period(StringInfo buf, int32 period_no, const PeriodUsers *period)
{
	if ((Size) buf->len + (Size) period->users.count * SERIALIZED_USER_SIZE + 64 >= MaxAllocSize)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wwva.user_resource_counts: partial state exceeds 1 GB"),
				 errhint("Group the aggregate by me_id so each ME has a state of its own, or disable parallel aggregation (SET max_parallel_workers_per_gather = 0).")));
	pq_sendint32(buf, period_no);
	pq_sendint64(buf, period->customizations);
	pq_sendint32(buf, period->users.count);
	enlargeStringInfo(buf, period->users.count * SERIALIZED_USER_SIZE);
	for (uint32 u = 0; u < period->users.count; u++)
	{
		const UserEntry *entry = &period->users.entries[u];

		CHECK_FOR_INTERRUPTS();
		pq_sendint64(buf, entry->key);
		pq_sendint32(buf, entry->transactions);
		pq_sendbyte(buf, entry->flags);
	}
}

static bytea *
user_state_write(UserState *state)
{
	StringInfoData buf;
	int32		present_mes = 0;

	finish_sets(state);
	for (int i = 0; i < state->nmes; i++)
		if (state->mes[i].me_id != NULL)
			present_mes++;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, USER_STATE_MAGIC);
	pq_sendint32(&buf, present_mes);
	for (int i = 0; i < state->nmes; i++)
	{
		MeUsers    *me = &state->mes[i];
		int32		present = 0;

		if (me->me_id == NULL)
			continue;
		CHECK_FOR_INTERRUPTS();
		period_map_sort(&me->periods);
		for (int32 k = 0; k < me->periods.count; k++)
			if (period_present(period_at(me, k)))
				present++;
		write_me_header(&buf, me, present);
		for (int32 k = 0; k < me->periods.count; k++)
			if (period_present(period_at(me, k)))
				write_period(&buf, me->periods.entries[k].period_no, period_at(me, k));
	}
	return pq_endtypsend(&buf);
}

Datum
wwva_user_counts_serialize(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva.user_counts_serialize");
	PG_RETURN_BYTEA_P(user_state_write((UserState *) PG_GETARG_POINTER(0)));
}

static void
corrupt_state(int len, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("wwva: malformed user resource state (%d bytes): %s", len, what),
			 errhint("Only states produced by wwva.user_resource_state or the user_resource_counts aggregates of the same wwva version can be read.")));
}

static int32
read_int32(StringInfo buf, const char *what)
{
	if (buf->len - buf->cursor < 4)
		corrupt_state(buf->len, what);
	return pq_getmsgint(buf, 4);
}

/* A state from its flat form, allocated in context; corrupt input is an error. */
static UserState *
user_state_read(bytea *flat, MemoryContext context)
{
	StringInfoData buf;
	UserState  *state;
	int32		nmes;

	state_reader_init(&buf, flat);
	if (read_int32(&buf, "bad header") != USER_STATE_MAGIC)
		corrupt_state(buf.len, "bad header");
	nmes = read_int32(&buf, "bad ME count");
	if (nmes < 0 || nmes > (buf.len - buf.cursor) / 16)
		corrupt_state(buf.len, "bad ME count");
	state = user_state_new(context, nmes);
	for (int i = 0; i < nmes; i++)
	{
		MeUsers    *me = &state->mes[i];
		int32		id_len = read_int32(&buf, "truncated ME");
		int32		present,
					previous_period = 0;
		const char *id;

		CHECK_FOR_INTERRUPTS();
		if (id_len < 0 || id_len > buf.len - buf.cursor)
			corrupt_state(buf.len, "truncated ME");
		id = pq_getmsgbytes(&buf, id_len);
		/* the id comes back as text: no NUL and nothing the encoding forbids */
		if (!pg_verifymbstr(id, id_len, true))
			corrupt_state(buf.len, "ME id is not valid text");
		me_set_id(state, me, id, id_len);
		if (i > 0 && compare_me(&state->mes[i - 1], me) >= 0)
			corrupt_state(buf.len, "MEs out of order");
		me->min_transactions = read_int32(&buf, "truncated ME");
		me->lifetime_periods = read_int32(&buf, "truncated ME");
		me_settings_check(me->min_transactions, me->lifetime_periods,
							"wwva.user_resource_state");
		present = read_int32(&buf, "truncated ME");
		if (present < 0 || present > MAX_PERIOD_NO)
			corrupt_state(buf.len, "bad period count");
		/* a period takes at least 16 bytes: room for them costs what their bytes do */
		if ((int64) present * 16 > buf.len - buf.cursor)
			corrupt_state(buf.len, "truncated period");
		period_map_reserve(&me->periods, present);
		for (int32 k = 0; k < present; k++)
		{
			int32		period_no = read_int32(&buf, "truncated period");
			int64		customizations;
			int32		count;
			PeriodUsers *period;
			UserSet    *set;

			CHECK_FOR_INTERRUPTS();
			if (buf.len - buf.cursor < 12)
				corrupt_state(buf.len, "truncated period");
			customizations = pq_getmsgint64(&buf);
			count = pq_getmsgint(&buf, 4);
			if (period_no <= previous_period || period_no > MAX_PERIOD_NO || customizations < 0 ||
				count < 0)
				corrupt_state(buf.len, "bad period");
			if ((uint64) count * SERIALIZED_USER_SIZE > (uint64) (buf.len - buf.cursor))
				corrupt_state(buf.len, "truncated users");
			previous_period = period_no;
			/* what the bytes hold, and no more: one period, its users */
			period = MemoryContextAllocZero(context, sizeof(PeriodUsers));
			period_map_append(&me->periods, period_no, period);
			period->customizations = customizations;
			set = &period->users;
			if (count > 0)
				set->entries = MemoryContextAllocHuge(context, sizeof(UserEntry) * count);
			set->count = count;
			for (int32 u = 0; u < count; u++)
			{
				UserEntry  *entry = &set->entries[u];

				CHECK_FOR_INTERRUPTS();
				entry->key = pq_getmsgint64(&buf);
				entry->transactions = pq_getmsgint(&buf, 4);
				entry->flags = pq_getmsgbyte(&buf);
				if (entry->flags & ~USER_FLAGS)
					corrupt_state(buf.len, "bad user flags");
				if (u > 0 && entry->key <= set->entries[u - 1].key)
					corrupt_state(buf.len, "users out of order");
			}
		}
	}
	if (buf.cursor != buf.len)
		corrupt_state(buf.len, "trailing bytes");
	return state;
}

Datum
wwva_user_counts_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_deserialize");

	PG_RETURN_POINTER(user_state_read(PG_GETARG_BYTEA_PP(0), aggcontext));
}

static bool
is_active(const MeUsers *me, const UserEntry *entry)
{
	return entry->transactions >= (uint32) me->min_transactions;
}

/*
 * Lifetime users of the period at position k of an ME whose periods are
 * sorted: active in it and in each of the previous K-1 periods, with a
 * co-creation in at least one of those K.  The sets are sorted, so each
 * earlier period is one merge join: at most K steps per user.
 */
static int64
count_lifetime_users(MeUsers *me, int32 k)
{
	int32		window = me->lifetime_periods;
	int32		p = me->periods.entries[k].period_no;
	UserSet    *current = &period_at(me, k)->users;
	UserEntry  *candidates;
	uint32		ncandidates = 0;
	int64		count = 0;

	if (current->count == 0 || p - window + 1 < 1 || k - (window - 1) < 0)
		return 0;
	/* the K-1 periods before p, all with users: the positions just before k */
	for (int32 back = 1; back < window; back++)
		if (me->periods.entries[k - back].period_no != p - back ||
			period_at(me, k - back)->users.count == 0)
			return 0;

	candidates = palloc(sizeof(UserEntry) * current->count);
	for (uint32 i = 0; i < current->count; i++)
		if (is_active(me, &current->entries[i]))
			candidates[ncandidates++] = current->entries[i];
	for (int32 back = 1; back < window && ncandidates > 0; back++)
	{
		UserSet    *earlier = &period_at(me, k - back)->users;
		uint32		kept = 0,
					j = 0;

		CHECK_FOR_INTERRUPTS();
		for (uint32 i = 0; i < ncandidates; i++)
		{
			while (j < earlier->count && earlier->entries[j].key < candidates[i].key)
				j++;
			if (j < earlier->count && earlier->entries[j].key == candidates[i].key &&
				is_active(me, &earlier->entries[j]))
			{
				candidates[kept] = candidates[i];
				candidates[kept++].flags |= earlier->entries[j].flags;
			}
		}
		ncandidates = kept;
	}
	for (uint32 i = 0; i < ncandidates; i++)
		if (candidates[i].flags & USER_CO_CREATED)
			count++;
	pfree(candidates);
	return count;
}

/*
 * Section 1 of period p (1-based) of an ME whose sets are finished:
 * interactive, active and lifetime users, and user-maker events.
 */
enum
{
	INTERACTIVE_USERS,
	ACTIVE_USERS,
	LIFETIME_USERS,
	USER_MAKERS,
	USER_COUNTS
};

/* ... of the period at position k of an ME whose periods are sorted */
static void
period_counts(MeUsers *me, int32 k, int64 *counts)
{
	PeriodUsers *period = period_at(me, k);

	counts[INTERACTIVE_USERS] = 0;
	counts[ACTIVE_USERS] = 0;
	for (uint32 u = 0; u < period->users.count; u++)
	{
		if (period->users.entries[u].flags & USER_INTERACTED)
			counts[INTERACTIVE_USERS]++;
		if (is_active(me, &period->users.entries[u]))
			counts[ACTIVE_USERS]++;
	}
	counts[LIFETIME_USERS] = count_lifetime_users(me, k);
	counts[USER_MAKERS] = period->customizations;
}

/* Appends the rows of one ME, one per period with events, in period order. */
static void
me_rows(MeUsers *me, CompositeArrayBuilder *builder, bool with_me_id,
		Datum **rows, int *nrows, int *capacity)
{
	period_map_sort(&me->periods);
	for (int32 k = 0; k < me->periods.count; k++)
	{
		int64		counts[USER_COUNTS];
		Datum		values[2 + USER_COUNTS];
		int			v = 0;

		CHECK_FOR_INTERRUPTS();
		if (!period_present(period_at(me, k)))
			continue;
		period_counts(me, k, counts);
		if (with_me_id)
			values[v++] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
		values[v++] = Int32GetDatum(me->periods.entries[k].period_no);
		for (int c = 0; c < USER_COUNTS; c++)
			values[v++] = Int64GetDatum(counts[c]);
		if (*nrows == *capacity)
		{
			*capacity *= 2;
			*rows = repalloc(*rows, sizeof(Datum) * *capacity);
		}
		(*rows)[(*nrows)++] = composite_array_row(builder, values);
	}
}

/*
 * The counts rows of a state, by ME and period: wwva.me_user_resource_counts
 * rows with with_me_id, else wwva.user_resource_counts rows (one ME).
 */
static ArrayType *
counts_array(UserState *state, FunctionCallInfo fcinfo, bool with_me_id,
			 const char *function_name)
{
	CompositeArrayBuilder builder;
	int			capacity = 16,
				nrows = 0;
	Datum	   *rows = palloc(sizeof(Datum) * capacity);

	if (state != NULL)
		finish_sets(state);
	composite_array_begin(&builder, fcinfo, with_me_id ? 6 : 5, function_name);
	for (int i = 0; state != NULL && i < state->nmes; i++)
		if (state->mes[i].me_id != NULL)
			me_rows(&state->mes[i], &builder, with_me_id, &rows, &nrows, &capacity);
	return composite_array_end(&builder, rows, nrows);
}

/*
 * Final of wwva.user_resource_counts(user_id, kind, period_no, N, K): an
 * array of wwva.user_resource_counts rows, one per period with events.
 */
Datum
wwva_user_counts_final(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva.user_counts_final");
	PG_RETURN_ARRAYTYPE_P(counts_array(PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0),
									   fcinfo, false, "wwva.user_counts_final"));
}

/*
 * Final of wwva.user_resource_counts(me_id, ..., calendar): an array of
 * wwva.me_user_resource_counts rows, by ME and period, for the pairs with
 * events.
 */
Datum
wwva_me_user_counts_final(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva.me_user_counts_final");
	PG_RETURN_ARRAYTYPE_P(counts_array(PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0),
									   fcinfo, true, "wwva.me_user_counts_final"));
}

/*
 * Final of wwva.user_resource_counts_by_period: the group's one ME as a
 * bigint matrix, one row per period with events: {period_no, the counts}.
 */
Datum
wwva_user_counts_by_period_final(PG_FUNCTION_ARGS)
{
	UserState  *state;
	MeUsers    *only = NULL;
	Datum	   *elements = NULL;
	int			nrows = 0;

	(void) wwva_aggregate_context(fcinfo, "wwva.user_resource_counts_by_period");
	state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	for (int i = 0; state != NULL && i < state->nmes; i++)
	{
		if (state->mes[i].me_id == NULL)
			continue;
		if (only != NULL)
			single_me_error("wwva.user_resource_counts_by_period", only->me_id, only->me_id_len,
							state->mes[i].me_id, state->mes[i].me_id_len);
		only = &state->mes[i];
	}
	if (only != NULL)
	{
		finish_sets(state);
		period_map_sort(&only->periods);
	}
	for (int32 k = 0; only != NULL && k < only->periods.count; k++)
	{
		Datum	   *row;
		int64		counts[USER_COUNTS];

		CHECK_FOR_INTERRUPTS();
		if (!period_present(period_at(only, k)))
			continue;
		if (elements == NULL)
			elements = palloc(sizeof(Datum) * (1 + USER_COUNTS) * only->periods.count);
		row = elements + nrows * (1 + USER_COUNTS);
		period_counts(only, k, counts);
		row[0] = Int64GetDatum(only->periods.entries[k].period_no);
		for (int c = 0; c < USER_COUNTS; c++)
			row[1 + c] = Int64GetDatum(counts[c]);
		nrows++;
	}
	PG_RETURN_ARRAYTYPE_P(matrix_array(elements, nrows, 1 + USER_COUNTS, INT8OID));
}

/*
 * Stored states.  wwva.user_resource_state(me_id, ..., calendar) is the
 * per-ME aggregate with the flat state as its result; the functions below
 * let SQL keep such states, merge them and count from them: what the
 * materialized statement stores per ME and period, and what a shard sends.
 */

/* Transition of wwva.user_resource_state(bytea): the union of stored states. */
Datum
wwva_user_state_union_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_resource_state");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);

	if (!PG_ARGISNULL(1))
		state = user_state_combine(state, user_state_read(PG_GETARG_BYTEA_PP(1), aggcontext),
								   aggcontext);
	if (state == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state);
}

/* wwva.user_resource_state_counts(state): section 1 counts of a stored state. */
Datum
wwva_user_state_counts(PG_FUNCTION_ARGS)
{
	UserState  *state = user_state_read(PG_GETARG_BYTEA_PP(0), CurrentMemoryContext);

	PG_RETURN_ARRAYTYPE_P(counts_array(state, fcinfo, true, "wwva.user_resource_state_counts"));
}

/*
 * wwva.user_resource_state_pairs(state): the state cut into one state per
 * ME and period, in me_id and period order.
 */
Datum
wwva_user_state_pairs(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext per_query,
				caller;
	TupleDesc	desc;
	Tuplestorestate *store;
	UserState  *state;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("wwva.user_resource_state_pairs must be called where a set is accepted"),
				 errhint("Call it in FROM: SELECT * FROM wwva.user_resource_state_pairs(state).")));
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "wwva.user_resource_state_pairs must return a composite type");

	per_query = rsinfo->econtext->ecxt_per_query_memory;
	caller = MemoryContextSwitchTo(per_query);
	desc = CreateTupleDescCopy(desc);
	store = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(caller);

	/* a state read back is sorted and has nothing buffered */
	state = user_state_read(PG_GETARG_BYTEA_PP(0), CurrentMemoryContext);
	for (int i = 0; i < state->nmes; i++)
	{
		MeUsers    *me = &state->mes[i];

		for (int32 k = 0; k < me->periods.count; k++)
		{
			StringInfoData one;
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			CHECK_FOR_INTERRUPTS();
			if (!period_present(period_at(me, k)))
				continue;
			/* the state of this ME holding only this period */
			pq_begintypsend(&one);
			pq_sendint32(&one, USER_STATE_MAGIC);
			pq_sendint32(&one, 1);
			write_me_header(&one, me, 1);
			write_period(&one, me->periods.entries[k].period_no, period_at(me, k));
			values[0] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
			values[1] = Int32GetDatum(me->periods.entries[k].period_no);
			values[2] = PointerGetDatum(pq_endtypsend(&one));
			tuplestore_putvalues(store, desc, values, nulls);
			pfree(DatumGetPointer(values[0]));
			pfree(DatumGetPointer(values[2]));
		}
	}
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	return (Datum) 0;
}
