/*-------------------------------------------------------------------------
 * user_state.c
 *	  The state of the user aggregates (see user_state.h): building it,
 *	  combining two, and its flat form, written and read back.
 *
 * An ME keeps only the periods it has (a PeriodMap), so memory follows
 * what the rows or a state's bytes hold: a state read back takes about 90
 * bytes per ME, 80 per period and 16 per user (for 16 bytes and the id,
 * 16 and 13 of the state), whatever its period numbers: at most about 6
 * bytes per byte read.  Every loop over a state's MEs, periods or users
 * checks for interrupts.
 *-------------------------------------------------------------------------
 */
#include "user_state.h"
#include "calendar.h"

#include "common/int.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#define USER_STATE_MAGIC 0x57565532	/* "WVU2" */

UserState *
user_state_new(MemoryContext context, int nmes)
{
	UserState  *state = MemoryContextAllocZero(context, sizeof(UserState));

	state->sets.context = context;
	me_state_init(&state->base, nmes, context);
	return state;
}

/* Every row of an ME must carry the same settings. */
void
user_me_settings(StateMe *me, int32 min_transactions, int32 lifetime_periods)
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

/* The ME's period with this number, empty when new. */
PeriodUsers *
period_users(UserState *state, StateMe *me, int32 period_no)
{
	void	  **slot = period_map_slot(&me->periods, period_no);

	if (*slot == NULL)
		*slot = MemoryContextAllocZero(state->sets.context, sizeof(PeriodUsers));
	return (PeriodUsers *) *slot;
}

/* Every set of the state merged and without buffer: before it is read or sent. */
void
user_state_finish(UserState *state)
{
	if (state->sets.buffered)
	{
		for (int i = 0; i < state->base.nmes; i++)
		{
			CHECK_FOR_INTERRUPTS();
			for (int32 k = 0; k < state->base.mes[i].periods.count; k++)
				user_set_finish(&period_at(&state->base.mes[i], k)->users, &state->sets);
		}
		state->sets.buffered = false;
	}
	user_sets_release(&state->sets);
}

/* Adds the finished ME from into the ME into; from is consumed. */
static void
merge_me(StateMe *into, StateMe *from, void *arg)
{
	UserState  *state = arg;

	user_me_settings(into, from->min_transactions, from->lifetime_periods);
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
			user_set_merge(&target->users, &source->users, &state->sets);
		}
		pfree(source);
	}
	period_map_free(&from->periods);
	pfree(from->me_id);
}

/* An ME of the other state only is moved over whole. */
static void
move_me(StateMe *into, StateMe *from, void *arg pg_attribute_unused())
{
	*into = *from;
}

/*
 * The union of two states, ME by ME in me_id order, in the memory of state.
 * other is consumed: its sets are moved rather than copied, and it is
 * adopted whole when state is NULL.
 */
UserState *
user_state_combine(UserState *state, UserState *other, MemoryContext context)
{
	if (other == NULL)
		return state;
	user_state_finish(other);
	if (state == NULL)
	{
		other->sets.context = context;
		return other;
	}
	/* state's own buffers may stay: a merge adds to a set's merged users */
	me_state_combine(&state->base, &other->base, context, merge_me, move_me, state);
	pfree(other->base.mes);
	pfree(other);
	return state;
}

/*
 * Flat form (network byte order): magic, number of MEs, then per ME:
 * me_id (length, bytes), N, K, number of periods present, and per period:
 * period_no, customizations, number of users, and per user in ascending
 * key order: key (8 bytes), transactions (4), flags (1); then the span
 * plan, if there is one (me_state_write_plan).
 */
#define SERIALIZED_USER_SIZE 13

static void
write_me_header(StringInfo buf, const StateMe *me, int32 present)
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

bytea *
user_state_write(UserState *state)
{
	StringInfoData buf;

	user_state_finish(state);
	pq_begintypsend(&buf);
	me_state_write_magic(&buf, &state->base, USER_STATE_MAGIC);
	pq_sendint32(&buf, me_state_count_mes(&state->base));
	for (int i = 0; i < state->base.nmes; i++)
	{
		StateMe    *me = &state->base.mes[i];
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
	me_state_write_plan(&buf, &state->base);
	return pq_endtypsend(&buf);
}

/* The state of the ME holding only its period at position k, whose sets are finished. */
bytea *
user_state_write_period(const StateMe *me, int32 k)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, USER_STATE_MAGIC);
	pq_sendint32(&buf, 1);
	write_me_header(&buf, me, 1);
	write_period(&buf, me->periods.entries[k].period_no, period_at(me, k));
	return pq_endtypsend(&buf);
}

/* The users of a period at the reader's cursor, count of them. */
static void
read_users(MeStateReader *reader, UserSet *set, int32 count, MemoryContext context)
{
	if (count > 0)
		set->entries = MemoryContextAllocHuge(context, sizeof(UserEntry) * count);
	set->count = count;
	for (int32 u = 0; u < count; u++)
	{
		UserEntry  *entry = &set->entries[u];

		CHECK_FOR_INTERRUPTS();
		entry->key = pq_getmsgint64(&reader->buf);
		entry->transactions = pq_getmsgint(&reader->buf, 4);
		entry->flags = pq_getmsgbyte(&reader->buf);
		if (entry->flags & ~USER_FLAGS)
			me_state_corrupt(reader, "bad user flags");
		if (u > 0 && entry->key <= set->entries[u - 1].key)
			me_state_corrupt(reader, "users out of order");
	}
}

/* The periods of an ME at the reader's cursor, present of them. */
static void
read_periods(MeStateReader *reader, StateMe *me, int32 present, MemoryContext context)
{
	int32		previous_period = 0;

	for (int32 k = 0; k < present; k++)
	{
		int32		period_no = me_state_read_period_no(reader);
		int64		customizations;
		int32		count;
		PeriodUsers *period;

		if (reader->buf.len - reader->buf.cursor < 12)
			me_state_corrupt(reader, "truncated period");
		customizations = pq_getmsgint64(&reader->buf);
		count = pq_getmsgint(&reader->buf, 4);
		if (period_no <= previous_period || period_no > MAX_PERIOD_NO || customizations < 0 ||
			count < 0)
			me_state_corrupt(reader, "bad period");
		if ((uint64) count * SERIALIZED_USER_SIZE > (uint64) (reader->buf.len - reader->buf.cursor))
			me_state_corrupt(reader, "truncated users");
		previous_period = period_no;
		/* what the bytes hold, and no more: one period, its users */
		period = MemoryContextAllocZero(context, sizeof(PeriodUsers));
		period_map_append(&me->periods, period_no, period);
		period->customizations = customizations;
		read_users(reader, &period->users, count, context);
	}
}

/* A state from its flat form, allocated in context; corrupt input is an error. */
UserState *
user_state_read(bytea *flat, MemoryContext context)
{
	MeStateReader reader;
	UserState  *state;
	int32		nmes;

	nmes = me_state_read_begin(&reader, flat, USER_STATE_MAGIC, 16,
							   "wwva: malformed user resource state",
							   "Only states produced by wwva.user_resource_state or the user_resource_counts aggregates of the same wwva version can be read.");
	state = user_state_new(context, nmes);
	for (int i = 0; i < nmes; i++)
	{
		StateMe    *me = &state->base.mes[i];
		int			id_len;
		const char *id = me_state_read_me_id(&reader, &id_len);
		int32		present;

		state_me_init(me, id, id_len, context);
		if (i > 0 && state_me_compare(&state->base.mes[i - 1], me) >= 0)
			me_state_corrupt(&reader, "MEs out of order");
		me->min_transactions = me_state_read_int32(&reader, "truncated ME");
		me->lifetime_periods = me_state_read_int32(&reader, "truncated ME");
		me_settings_check(me->min_transactions, me->lifetime_periods,
						  "wwva.user_resource_state");
		present = me_state_read_period_count(&reader);
		period_map_reserve(&me->periods, present);
		read_periods(&reader, me, present, context);
	}
	me_state_read_end(&reader, &state->base, context);
	return state;
}
