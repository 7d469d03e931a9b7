/*-------------------------------------------------------------------------
 * user_agg.c
 *	  wwva.user_resource_counts(user_id, kind, period_no, min_transactions,
 *	  lifetime_periods): section 1 of the statement for every period of one
 *	  ME, in one pass over its user events.
 *
 * The state keeps, per period, an open-addressing hash set of the users
 * seen there with their transaction count and whether they interacted or
 * co-created, plus the period's count of customization events.  Lifetime
 * users need earlier periods of the same ME, which is why the aggregate is
 * grouped by ME rather than by ME and period: the final function sees every
 * period at once.  Partial states merge set by set.
 *
 * Exact counts throughout: no sketches.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(wwva_user_counts_transition);
PG_FUNCTION_INFO_V1(wwva_user_counts_combine);
PG_FUNCTION_INFO_V1(wwva_user_counts_serialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_deserialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_final);

#define USER_INTERACTED	0x01
#define USER_CO_CREATED	0x02
#define USER_FLAGS		(USER_INTERACTED | USER_CO_CREATED)

#define USER_STATE_MAGIC 0x57565531	/* "WVU1" */
#define MAX_PERIOD_NO	1000000

/* One user in one period: 16 bytes. */
typedef struct UserEntry
{
	int64		user_id;
	uint32		transactions;	/* saturates at PG_UINT32_MAX */
	uint8		flags;
	char		status;			/* simplehash bookkeeping */
} UserEntry;

static inline uint32
hash_user_id(int64 user_id)
{
	/* splitmix64 finaliser: consecutive ids spread over the whole table */
	uint64		x = (uint64) user_id;

	x ^= x >> 30;
	x *= UINT64CONST(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64CONST(0x94d049bb133111eb);
	x ^= x >> 31;
	return (uint32) x;
}

#define SH_PREFIX		usertab
#define SH_ELEMENT_TYPE UserEntry
#define SH_KEY_TYPE		int64
#define SH_KEY			user_id
#define SH_HASH_KEY(tb, key) hash_user_id(key)
#define SH_EQUAL(tb, a, b) ((a) == (b))
#define SH_SCOPE		static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

typedef struct PeriodUsers
{
	usertab_hash *users;		/* NULL while the period has no user entry */
	int64		customizations;
} PeriodUsers;

typedef struct UserState
{
	MemoryContext context;
	int32		min_transactions;	/* 0 until the first row sets it */
	int32		lifetime_periods;
	int32		nperiods;		/* slots allocated in periods[] */
	PeriodUsers *periods;		/* periods[i] is period number i + 1 */
} UserState;

static UserState *
user_state_new(MemoryContext context)
{
	UserState  *state = MemoryContextAllocZero(context, sizeof(UserState));

	state->context = context;
	return state;
}

static PeriodUsers *
period_slot(UserState *state, int32 period_no)
{
	if (period_no < 1 || period_no > MAX_PERIOD_NO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: period number %d is outside 1 to %d",
						period_no, MAX_PERIOD_NO),
				 errhint("Pass the period's 1-based position from wwva.period_index().")));
	if (period_no > state->nperiods)
	{
		int32		n = Max(period_no, state->nperiods * 2);

		n = Min(Max(n, 16), MAX_PERIOD_NO);
		if (state->periods == NULL)
			state->periods = MemoryContextAllocZero(state->context, sizeof(PeriodUsers) * n);
		else
		{
			state->periods = repalloc(state->periods, sizeof(PeriodUsers) * n);
			memset(state->periods + state->nperiods, 0,
				   sizeof(PeriodUsers) * (n - state->nperiods));
		}
		state->nperiods = n;
	}
	return &state->periods[period_no - 1];
}

static UserEntry *
period_user(UserState *state, PeriodUsers *period, int64 user_id)
{
	bool		found;
	UserEntry  *entry;

	if (period->users == NULL)
		period->users = usertab_create(state->context, 256, NULL);
	entry = usertab_insert(period->users, user_id, &found);
	if (!found)
	{
		entry->transactions = 0;
		entry->flags = 0;
	}
	return entry;
}

static inline uint32
saturating_add(uint32 a, uint32 b)
{
	return (a > PG_UINT32_MAX - b) ? PG_UINT32_MAX : a + b;
}

/* Settings are per ME: every row of a group must carry the same ones. */
static void
set_settings(UserState *state, int32 min_transactions, int32 lifetime_periods)
{
	if (min_transactions < 1 || min_transactions > 65535)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: min_transactions %d is outside 1 to 65535",
						min_transactions),
				 errhint("min_transactions is the ME's N (wwva.me.active_min_transactions).")));
	if (lifetime_periods < 1 || lifetime_periods > 1000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: lifetime_periods %d is outside 1 to 1000",
						lifetime_periods),
				 errhint("lifetime_periods is the ME's K (wwva.me.lifetime_periods).")));
	if (state->min_transactions == 0)
	{
		state->min_transactions = min_transactions;
		state->lifetime_periods = lifetime_periods;
	}
	else if (state->min_transactions != min_transactions ||
			 state->lifetime_periods != lifetime_periods)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: settings (N %d, K %d) differ from (N %d, K %d) within one group",
						min_transactions, lifetime_periods,
						state->min_transactions, state->lifetime_periods),
				 errhint("Group by ME: N and K are per-ME settings.")));
}

/*
 * Transition: one user event.  Rows without a period (NULL period_no:
 * outside every period) or without a user are skipped; wwva.unassigned
 * lists them.
 */
Datum
wwva_user_counts_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_transition");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	text	   *kind;
	PeriodUsers *period;

	if (state == NULL)
		state = user_state_new(aggcontext);
	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: min_transactions and lifetime_periods must not be NULL"),
				 errhint("Pass the ME's wwva.me.active_min_transactions and lifetime_periods.")));
	set_settings(state, PG_GETARG_INT32(4), PG_GETARG_INT32(5));
	if (PG_ARGISNULL(1) || PG_ARGISNULL(3))
		PG_RETURN_POINTER(state);
	if (PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: event kind is NULL"),
				 errhint("kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.")));

	kind = PG_GETARG_TEXT_PP(2);
	period = period_slot(state, PG_GETARG_INT32(3));
	if (text_equals(kind, "transaction"))
	{
		UserEntry  *entry = period_user(state, period, PG_GETARG_INT64(1));

		entry->transactions = saturating_add(entry->transactions, 1);
	}
	else if (text_equals(kind, "interaction"))
		period_user(state, period, PG_GETARG_INT64(1))->flags |= USER_INTERACTED;
	else if (text_equals(kind, "co_creation"))
		period_user(state, period, PG_GETARG_INT64(1))->flags |= USER_CO_CREATED;
	else if (text_equals(kind, "customization"))
		period->customizations++;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.user_resource_counts: unknown event kind \"%s\"", text_for_message(kind)),
				 errhint("kind must be 'interaction', 'transaction', 'customization' or 'co_creation'.")));
	PG_RETURN_POINTER(state);
}

static void
merge_entry(UserState *state, PeriodUsers *period, int64 user_id,
			uint32 transactions, uint8 flags)
{
	UserEntry  *entry = period_user(state, period, user_id);

	entry->transactions = saturating_add(entry->transactions, transactions);
	entry->flags |= flags;
}

Datum
wwva_user_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_combine");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	UserState  *other = PG_ARGISNULL(1) ? NULL : (UserState *) PG_GETARG_POINTER(1);

	if (other == NULL)
		PG_RETURN_POINTER(state);
	if (state == NULL)
		state = user_state_new(aggcontext);
	if (other->min_transactions != 0)
		set_settings(state, other->min_transactions, other->lifetime_periods);
	for (int32 p = 0; p < other->nperiods; p++)
	{
		PeriodUsers *from = &other->periods[p];
		PeriodUsers *into;
		usertab_iterator it;
		UserEntry  *entry;

		if (from->users == NULL && from->customizations == 0)
			continue;
		into = period_slot(state, p + 1);
		into->customizations += from->customizations;
		if (from->users == NULL)
			continue;
		usertab_start_iterate(from->users, &it);
		while ((entry = usertab_iterate(from->users, &it)) != NULL)
			merge_entry(state, into, entry->user_id, entry->transactions, entry->flags);
	}
	PG_RETURN_POINTER(state);
}

/*
 * Flat form (network byte order):
 *	 magic, N, K, number of periods present, then per period:
 *	 period_no, customizations, number of users, and per user
 *	 user_id (8 bytes), transactions (4), flags (1).
 */
#define SERIALIZED_USER_SIZE 13

Datum
wwva_user_counts_serialize(PG_FUNCTION_ARGS)
{
	UserState  *state;
	StringInfoData buf;
	int32		present = 0;

	(void) wwva_aggregate_context(fcinfo, "wwva.user_counts_serialize");
	state = (UserState *) PG_GETARG_POINTER(0);
	for (int32 p = 0; p < state->nperiods; p++)
		if (state->periods[p].users != NULL || state->periods[p].customizations != 0)
			present++;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, USER_STATE_MAGIC);
	pq_sendint32(&buf, state->min_transactions);
	pq_sendint32(&buf, state->lifetime_periods);
	pq_sendint32(&buf, present);
	for (int32 p = 0; p < state->nperiods; p++)
	{
		PeriodUsers *period = &state->periods[p];
		usertab_iterator it;
		UserEntry  *entry;
		uint32		members = period->users ? period->users->members : 0;

		if (period->users == NULL && period->customizations == 0)
			continue;
		if ((Size) buf.len + (Size) members * SERIALIZED_USER_SIZE + 64 >= MaxAllocSize)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("wwva.user_resource_counts: partial state of one ME exceeds 1 GB"),
					 errhint("Disable parallel aggregation for this query (SET max_parallel_workers_per_gather = 0).")));
		pq_sendint32(&buf, p + 1);
		pq_sendint64(&buf, period->customizations);
		pq_sendint32(&buf, members);
		if (period->users == NULL)
			continue;
		enlargeStringInfo(&buf, members * SERIALIZED_USER_SIZE);
		usertab_start_iterate(period->users, &it);
		while ((entry = usertab_iterate(period->users, &it)) != NULL)
		{
			pq_sendint64(&buf, entry->user_id);
			pq_sendint32(&buf, entry->transactions);
			pq_sendbyte(&buf, entry->flags);
		}
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
corrupt_state(int len, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("wwva.user_counts_deserialize: malformed aggregate state (%d bytes): %s", len, what),
			 errhint("Only states produced by wwva.user_counts_serialize of the same wwva version can be read.")));
}

Datum
wwva_user_counts_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.user_counts_deserialize");
	bytea	   *flat = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	UserState  *state = user_state_new(aggcontext);
	int32		present,
				min_transactions,
				lifetime_periods;

	state_reader_init(&buf, flat);

	if (buf.len < 16 || pq_getmsgint(&buf, 4) != USER_STATE_MAGIC)
		corrupt_state(buf.len, "bad header");
	min_transactions = pq_getmsgint(&buf, 4);
	lifetime_periods = pq_getmsgint(&buf, 4);
	present = pq_getmsgint(&buf, 4);
	if (min_transactions != 0)
		set_settings(state, min_transactions, lifetime_periods);
	if (present < 0 || present > MAX_PERIOD_NO)
		corrupt_state(buf.len, "bad period count");
	for (int32 i = 0; i < present; i++)
	{
		int32		period_no;
		int64		customizations;
		uint32		members;
		PeriodUsers *period;

		if (buf.len - buf.cursor < 16)
			corrupt_state(buf.len, "truncated period");
		period_no = pq_getmsgint(&buf, 4);
		customizations = pq_getmsgint64(&buf);
		members = pq_getmsgint(&buf, 4);
		if (period_no < 1 || period_no > MAX_PERIOD_NO || customizations < 0)
			corrupt_state(buf.len, "bad period");
		if ((uint64) members * SERIALIZED_USER_SIZE > (uint64) (buf.len - buf.cursor))
			corrupt_state(buf.len, "truncated users");
		period = period_slot(state, period_no);
		period->customizations += customizations;
		for (uint32 u = 0; u < members; u++)
		{
			int64		user_id = pq_getmsgint64(&buf);
			uint32		transactions = pq_getmsgint(&buf, 4);
			uint8		flags = pq_getmsgbyte(&buf);

			if (flags & ~USER_FLAGS)
				corrupt_state(buf.len, "bad user flags");
			merge_entry(state, period, user_id, transactions, flags);
		}
	}
	if (buf.cursor != buf.len)
		corrupt_state(buf.len, "trailing bytes");
	PG_RETURN_POINTER(state);
}

static bool
is_active(const UserState *state, const UserEntry *entry)
{
	return entry != NULL && entry->transactions >= (uint32) state->min_transactions;
}

/*
 * Lifetime users of period p (1-based): active in p and in each of the
 * previous K-1 periods, with a co-creation in at least one of those K.
 */
static int64
count_lifetime_users(UserState *state, int32 p)
{
	int32		window = state->lifetime_periods;
	usertab_iterator it;
	UserEntry  *entry;
	int64		count = 0;

	if (p - window + 1 < 1)
		return 0;
	for (int32 q = p - window + 1; q < p; q++)
		if (q > state->nperiods || state->periods[q - 1].users == NULL)
			return 0;

	usertab_start_iterate(state->periods[p - 1].users, &it);
	while ((entry = usertab_iterate(state->periods[p - 1].users, &it)) != NULL)
	{
		bool		lifetime = is_active(state, entry);
		uint8		flags = entry->flags;

		for (int32 q = p - 1; lifetime && q > p - window; q--)
		{
			UserEntry  *earlier = usertab_lookup(state->periods[q - 1].users, entry->user_id);

			lifetime = is_active(state, earlier);
			if (lifetime)
				flags |= earlier->flags;
		}
		if (lifetime && (flags & USER_CO_CREATED))
			count++;
	}
	return count;
}

/*
 * Final: an array of wwva.user_resource_counts rows, one per period that
 * has events, in period order.
 */
Datum
wwva_user_counts_final(PG_FUNCTION_ARGS)
{
	UserState  *state;
	CompositeArrayBuilder builder;
	Datum	   *rows;
	int			nrows = 0;

	(void) wwva_aggregate_context(fcinfo, "wwva.user_counts_final");
	state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	composite_array_begin(&builder, fcinfo, 5, "wwva.user_counts_final");

	rows = palloc(sizeof(Datum) * Max(state ? state->nperiods : 0, 1));
	for (int32 p = 1; state != NULL && p <= state->nperiods; p++)
	{
		PeriodUsers *period = &state->periods[p - 1];
		int64		interactive = 0,
					active = 0;
		Datum		values[5];

		if (period->users == NULL && period->customizations == 0)
			continue;
		if (period->users != NULL)
		{
			usertab_iterator it;
			UserEntry  *entry;

			usertab_start_iterate(period->users, &it);
			while ((entry = usertab_iterate(period->users, &it)) != NULL)
			{
				if (entry->flags & USER_INTERACTED)
					interactive++;
				if (is_active(state, entry))
					active++;
			}
		}
		values[0] = Int32GetDatum(p);
		values[1] = Int64GetDatum(interactive);
		values[2] = Int64GetDatum(active);
		values[3] = Int64GetDatum(period->users ? count_lifetime_users(state, p) : 0);
		values[4] = Int64GetDatum(period->customizations);
		rows[nrows++] = composite_array_row(&builder, values);
	}
	PG_RETURN_ARRAYTYPE_P(composite_array_end(&builder, rows, nrows));
}
