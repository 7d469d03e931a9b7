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
 * events), so a user costs at most 20 bytes.  Partial states travel sorted,
 * so combining them is a linear merge too, and counting lifetime users is
 * a merge join over the window of periods.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"
#include "user_entries.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
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
	int32		nperiods;		/* slots in periods[] */
	PeriodUsers *periods;		/* periods[i] is period number i + 1 */
} MeUsers;

typedef struct UserState
{
	MemoryContext context;
	int			nmes;
	MeUsers    *mes;			/* sorted by me_id */
	uint64		calendar_hash;	/* of the calendar the rows came with */
	int			last_me;		/* where the previous row went */
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

	if (set->nbuffered == set->buffer_size)
	{
		if (set->buffer == NULL)
		{
			set->buffer_size = MIN_BUFFER;
			set->buffer = MemoryContextAlloc(state->context, sizeof(UserEntry) * MIN_BUFFER);
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

/* Adds the finished set from into the finished set into; from is emptied. */
static void
user_set_merge(UserSet *into, UserSet *from, MemoryContext context)
{
	if (from->count == 0)
		return;
	into->entries = merge_sorted(into->entries, into->count, from->entries, from->count,
								 &into->count, context);
	from->entries = NULL;
	from->count = 0;
}

/* Settings are per ME: N and K in range. */
void
user_settings_check(int32 min_transactions, int32 lifetime_periods, const char *function_name)
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

/* Every row of an ME must carry the same settings. */
static void
me_settings(MeUsers *me, int32 min_transactions, int32 lifetime_periods)
{
	user_settings_check(min_transactions, lifetime_periods, "wwva.user_resource_counts");
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

static void
me_set_id(UserState *state, MeUsers *me, const char *me_id, int me_id_len)
{
	me->me_id = MemoryContextAlloc(state->context, me_id_len + 1);
	memcpy(me->me_id, me_id, me_id_len);
	me->me_id[me_id_len] = '\0';
	me->me_id_len = me_id_len;
}

static PeriodUsers *
period_slot(UserState *state, MeUsers *me, int32 period_no)
{
	if (period_no < 1 || period_no > MAX_PERIOD_NO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: period number %d is outside 1 to %d",
						period_no, MAX_PERIOD_NO),
				 errhint("Pass the period's 1-based position from wwva.period_index().")));
	if (period_no > me->nperiods)
	{
		int32		n = Min(Max(Max(period_no, me->nperiods * 2), 16), MAX_PERIOD_NO);

		if (me->periods == NULL)
			me->periods = MemoryContextAllocZero(state->context, sizeof(PeriodUsers) * n);
		else
		{
			me->periods = repalloc(me->periods, sizeof(PeriodUsers) * n);
			memset(me->periods + me->nperiods, 0, sizeof(PeriodUsers) * (n - me->nperiods));
		}
		me->nperiods = n;
	}
	return &me->periods[period_no - 1];
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
	for (int i = 0; i < state->nmes; i++)
		for (int32 p = 0; p < state->mes[i].nperiods; p++)
			user_set_finish(&state->mes[i].periods[p].users, state);
	if (state->scratch)
		pfree(state->scratch);
	state->scratch = NULL;
	state->scratch_size = 0;
}

/*
 * One event of ME number me in period number period_no; false for an
 * unknown kind.
 */
static bool
add_event(UserState *state, int32 me, int32 period_no, int64 user_id, text *kind)
{
	PeriodUsers *period = &state->mes[me].periods[period_no - 1];

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
	(void) period_slot(state, me, PG_GETARG_INT32(3));
	if (!add_event(state, 0, PG_GETARG_INT32(3), PG_GETARG_INT64(1), PG_GETARG_TEXT_PP(2)))
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
		if (calendar->nperiods > 0)
			(void) period_slot(state, slot, calendar->nperiods);
	}
	period_no = calendar_period_of_event(calendar, me, PG_GETARG_TIMESTAMPTZ(4));
	if (period_no == 0)
		PG_RETURN_POINTER(state);
	if (!add_event(state, me, period_no, PG_GETARG_INT64(2), PG_GETARG_TEXT_PP(3)))
		unknown_kind_error(PG_GETARG_TEXT_PP(3));
	PG_RETURN_POINTER(state);
}

static int
compare_me(const MeUsers *a, const MeUsers *b)
{
	return compare_me_ids(a->me_id, a->me_id_len, b->me_id, b->me_id_len);
}

static void
merge_me(UserState *state, MeUsers *into, MeUsers *from)
{
	me_settings(into, from->min_transactions, from->lifetime_periods);
	for (int32 p = 0; p < from->nperiods; p++)
	{
		PeriodUsers *source = &from->periods[p];
		PeriodUsers *target;

		if (!period_present(source))
			continue;
		target = period_slot(state, into, p + 1);
		target->customizations += source->customizations;
		user_set_merge(&target->users, &source->users, state->context);
	}
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
	finish_sets(state);
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
		for (int32 p = 0; p < me->nperiods; p++)
			if (period_present(&me->periods[p]))
				present++;
		pq_sendint32(&buf, me->me_id_len);
		pq_sendbytes(&buf, me->me_id, me->me_id_len);
		pq_sendint32(&buf, me->min_transactions);
		pq_sendint32(&buf, me->lifetime_periods);
		pq_sendint32(&buf, present);
		for (int32 p = 0; p < me->nperiods; p++)
		{
			PeriodUsers *period = &me->periods[p];

			if (!period_present(period))
				continue;
			if ((Size) buf.len + (Size) period->users.count * SERIALIZED_USER_SIZE + 64 >= MaxAllocSize)
				ereport(ERROR,
						(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
						 errmsg("wwva.user_resource_counts: partial state exceeds 1 GB"),
						 errhint("Group the aggregate by me_id so each ME has a state of its own, or disable parallel aggregation (SET max_parallel_workers_per_gather = 0).")));
			pq_sendint32(&buf, p + 1);
			pq_sendint64(&buf, period->customizations);
			pq_sendint32(&buf, period->users.count);
			enlargeStringInfo(&buf, period->users.count * SERIALIZED_USER_SIZE);
			for (uint32 u = 0; u < period->users.count; u++)
			{
				UserEntry  *entry = &period->users.entries[u];

				pq_sendint64(&buf, entry->key);
				pq_sendint32(&buf, entry->transactions);
				pq_sendbyte(&buf, entry->flags);
			}
		}
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

		if (id_len < 0 || id_len > buf.len - buf.cursor)
			corrupt_state(buf.len, "truncated ME");
		me_set_id(state, me, pq_getmsgbytes(&buf, id_len), id_len);
		if (i > 0 && compare_me(&state->mes[i - 1], me) >= 0)
			corrupt_state(buf.len, "MEs out of order");
		me->min_transactions = read_int32(&buf, "truncated ME");
		me->lifetime_periods = read_int32(&buf, "truncated ME");
		user_settings_check(me->min_transactions, me->lifetime_periods,
							"wwva.user_resource_state");
		present = read_int32(&buf, "truncated ME");
		if (present < 0 || present > MAX_PERIOD_NO)
			corrupt_state(buf.len, "bad period count");
		for (int32 k = 0; k < present; k++)
		{
			int32		period_no = read_int32(&buf, "truncated period");
			int64		customizations;
			int32		count;
			PeriodUsers *period;
			UserSet    *set;

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
			period = period_slot(state, me, period_no);
			period->customizations = customizations;
			set = &period->users;
			set->entries = MemoryContextAllocHuge(context, sizeof(UserEntry) * Max(count, 1));
			set->count = count;
			for (int32 u = 0; u < count; u++)
			{
				UserEntry  *entry = &set->entries[u];

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
 * Lifetime users of period p (1-based): active in p and in each of the
 * previous K-1 periods, with a co-creation in at least one of those K.
 * The sets are sorted, so each earlier period is one merge join.
 */
static int64
count_lifetime_users(MeUsers *me, int32 p)
{
	int32		window = me->lifetime_periods;
	UserSet    *current = &me->periods[p - 1].users;
	UserEntry  *candidates;
	uint32		ncandidates = 0;
	int64		count = 0;

	if (p - window + 1 < 1)
		return 0;
	for (int32 q = p - window + 1; q < p; q++)
		if (q > me->nperiods || me->periods[q - 1].users.count == 0)
			return 0;

	candidates = palloc(sizeof(UserEntry) * Max(current->count, 1));
	for (uint32 i = 0; i < current->count; i++)
		if (is_active(me, &current->entries[i]))
			candidates[ncandidates++] = current->entries[i];
	for (int32 q = p - 1; q > p - window && ncandidates > 0; q--)
	{
		UserSet    *earlier = &me->periods[q - 1].users;
		uint32		kept = 0,
					j = 0;

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

static void
period_counts(MeUsers *me, int32 p, int64 *counts)
{
	PeriodUsers *period = &me->periods[p - 1];

	counts[INTERACTIVE_USERS] = 0;
	counts[ACTIVE_USERS] = 0;
	for (uint32 u = 0; u < period->users.count; u++)
	{
		if (period->users.entries[u].flags & USER_INTERACTED)
			counts[INTERACTIVE_USERS]++;
		if (is_active(me, &period->users.entries[u]))
			counts[ACTIVE_USERS]++;
	}
	counts[LIFETIME_USERS] = count_lifetime_users(me, p);
	counts[USER_MAKERS] = period->customizations;
}

/* Appends the rows of one ME, one per period with events, in period order. */
static void
me_rows(MeUsers *me, CompositeArrayBuilder *builder, bool with_me_id,
		Datum **rows, int *nrows, int *capacity)
{
	for (int32 p = 1; p <= me->nperiods; p++)
	{
		int64		counts[USER_COUNTS];
		Datum		values[2 + USER_COUNTS];
		int			v = 0;

		if (!period_present(&me->periods[p - 1]))
			continue;
		period_counts(me, p, counts);
		if (with_me_id)
			values[v++] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
		values[v++] = Int32GetDatum(p);
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
		finish_sets(state);
	for (int32 p = 1; only != NULL && p <= only->nperiods; p++)
	{
		Datum	   *row;
		int64		counts[USER_COUNTS];

		if (!period_present(&only->periods[p - 1]))
			continue;
		if (elements == NULL)
			elements = palloc(sizeof(Datum) * (1 + USER_COUNTS) * only->nperiods);
		row = elements + nrows * (1 + USER_COUNTS);
		period_counts(only, p, counts);
		row[0] = Int64GetDatum(p);
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

	state = user_state_read(PG_GETARG_BYTEA_PP(0), CurrentMemoryContext);
	finish_sets(state);
	for (int i = 0; i < state->nmes; i++)
	{
		MeUsers    *me = &state->mes[i];

		for (int32 p = 0; p < me->nperiods; p++)
		{
			MeUsers		single = *me;
			UserState	one = *state;
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			if (!period_present(&me->periods[p]))
				continue;
			/* a state of this ME holding only this period, which it shares */
			single.nperiods = p + 1;
			single.periods = palloc0(sizeof(PeriodUsers) * (p + 1));
			single.periods[p] = me->periods[p];
			one.nmes = 1;
			one.mes = &single;
			values[0] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
			values[1] = Int32GetDatum(p + 1);
			values[2] = PointerGetDatum(user_state_write(&one));
			tuplestore_putvalues(store, desc, values, nulls);
			pfree(single.periods);
		}
	}
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = store;
	rsinfo->setDesc = desc;
	return (Datum) 0;
}
