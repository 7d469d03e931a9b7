/*-------------------------------------------------------------------------
 * user_counts.c
 *	  Section 1 counts of a user state (see user_counts.h).
 *
 * Lifetime users need an ME's earlier periods, so the counts are taken
 * from a state with all periods of an ME at once, its sets finished and
 * its segments gathered into the spans of its plan (user_spans.c).  The
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
 * The sets of the window that ends at the period at position k of a
 * sorted ME: that period and the K-1 periods before it, or false when one
 * of them has no users.  With a plan, "before" follows each span's
 * previous period in its calendar; without, period p - 1.
 */
static bool
lifetime_window(StateMe *me, int32 k, const SpanPlan *plan, UserSet **window)
{
	int32		p = me->periods.entries[k].period_no;
	int32		position = plan ? span_plan_find(plan, p) : -1;

	window[0] = &period_at(me, k)->users;
	for (int32 back = 1; back < me->lifetime_periods; back++)
	{
		PeriodUsers *earlier;

		if (plan != NULL)
		{
			if (position < 0 || (position = plan->spans[position].previous) < 0)
				return false;
			earlier = period_map_get(&me->periods, plan->spans[position].key);
		}
		else
		{
			/* sorted: the K-1 periods before p are the positions just before k */
			if (k - back < 0 || me->periods.entries[k - back].period_no != p - back)
				return false;
			earlier = period_at(me, k - back);
		}
		if (earlier == NULL || earlier->users.count == 0)
			return false;
		window[back] = &earlier->users;
	}
	return window[0]->count > 0;
}

/*
 * Lifetime users of the period at position k: active in it and in each of
 * the previous K-1 periods, with a co-creation in at least one of those K.
 * The sets are sorted, so each earlier period is one merge join: at most K
 * steps per user.
 */
static int64
count_lifetime_users(StateMe *me, int32 k, const SpanPlan *plan)
{
	int32		window_size = me->lifetime_periods;
	UserSet   **window = palloc(sizeof(UserSet *) * window_size);
	UserSet    *current;
	UserEntry  *candidates;
	uint32		ncandidates = 0;
	int64		count = 0;

	if (!lifetime_window(me, k, plan, window))
	{
		pfree(window);
		return 0;
	}
	current = window[0];
	candidates = palloc(sizeof(UserEntry) * current->count);
	for (uint32 i = 0; i < current->count; i++)
		if (is_active(me, &current->entries[i]))
			candidates[ncandidates++] = current->entries[i];
	for (int32 back = 1; back < window_size && ncandidates > 0; back++)
	{
		UserSet    *earlier = window[back];
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
	pfree(window);
	return count;
}

/*
 * The counts of the period at position k of a finished ME whose periods
 * are sorted, as bigint values; false for a period without events, and
 * for a hidden span.  arg is the state's span plan, or NULL.
 */
bool
period_count_values(StateMe *me, int32 k, Datum *values, void *arg)
{
	const SpanPlan *plan = arg;
	PeriodUsers *period = period_at(me, k);
	int64		counts[USER_COUNTS];

	if (!period_present(period))
		return false;
	if (plan != NULL && !plan->spans[span_plan_find(plan, me->periods.entries[k].period_no)].shown)
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
	counts[LIFETIME_USERS] = count_lifetime_users(me, k, plan);
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
		user_state_fold(state, true);
	composite_array_begin(&builder, fcinfo, with_me_id ? 6 : 5, function_name);
	return me_state_rows(state ? &state->base : NULL, &builder, with_me_id,
						 period_count_values, state ? state->base.plan : NULL);
}
