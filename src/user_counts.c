/*-------------------------------------------------------------------------
 * user_counts.c
 *	  Section 1 counts of a user state (see user_counts.h).
 *
 * Lifetime users need an ME's earlier periods, so the counts are taken
 * from a state with all periods of an ME at once, its sets finished.  The
 * sets are sorted, so counting the lifetime users of a period is a merge
 * join over the window of periods: at most K merge steps per user, and a
 * call runs in time proportional to its input times K (at most 1000).
 *-------------------------------------------------------------------------
 */
#include "user_counts.h"

#include "miscadmin.h"

static bool
is_active(const StateMe *me, const UserEntry *entry)
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
count_lifetime_users(StateMe *me, int32 k)
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
 * The counts of the period at position k of a finished ME whose periods
 * are sorted, as bigint values; false for a period without events.
 */
bool
period_count_values(StateMe *me, int32 k, Datum *values, void *arg pg_attribute_unused())
{
	PeriodUsers *period = period_at(me, k);
	int64		counts[USER_COUNTS];

	if (!period_present(period))
		return false;
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
	for (int c = 0; c < USER_COUNTS; c++)
		values[c] = Int64GetDatum(counts[c]);
	return true;
}

/*
 * The counts rows of a state, by ME and period: wwva.me_user_resource_counts
 * rows with with_me_id, else wwva.user_resource_counts rows (one ME).
 */
ArrayType *
counts_array(UserState *state, FunctionCallInfo fcinfo, bool with_me_id,
			 const char *function_name)
{
	CompositeArrayBuilder builder;

	if (state != NULL)
		user_state_finish(state);
	composite_array_begin(&builder, fcinfo, with_me_id ? 6 : 5, function_name);
	return me_state_rows(state ? &state->base : NULL, &builder, with_me_id,
						 period_count_values, NULL);
}
