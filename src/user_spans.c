/*-------------------------------------------------------------------------
 * user_spans.c
 *	  A user state's segments gathered into the spans of its plan (see
 *	  spans.h): a quarter is the union of its months' users, their
 *	  transactions added up, so a user active in no one month may be active
 *	  in the quarter, and a year to date is the union so far.
 *
 * Spans are folded in plan order.  A span that extends the one before it
 * from the same first segment (January, January-February, ...) starts
 * from that union, so a run of to-date spans costs one pass per segment
 * added rather than one per segment covered.
 *-------------------------------------------------------------------------
 */
#include "user_state.h"

#include "common/int.h"
#include "miscadmin.h"
#include "utils/memutils.h"

/* The union of the sets, customizations added: a new period in context. */
static PeriodUsers *
union_of(PeriodUsers **parts, int nparts, const StateMe *me, MemoryContext context)
{
	PeriodUsers *result = MemoryContextAllocZero(context, sizeof(PeriodUsers));
	uint64		total = 0;
	UserEntry  *entries;
	uint32		count = 0;

	for (int i = 0; i < nparts; i++)
	{
		total += parts[i]->users.count;
		if (pg_add_s64_overflow(result->customizations, parts[i]->customizations,
								&result->customizations))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("wwva.user_resource_counts: customization count of ME \"%.*s\" is out of range",
							bytes_for_message(me->me_id, me->me_id_len), me->me_id),
					 errhint("A span adds up to more than 2^63 - 1 customizations.")));
	}
	if (total > MaxAllocHugeSize / sizeof(UserEntry) || total > PG_UINT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wwva.user_resource_counts: ME \"%.*s\" has too many users in one span",
						bytes_for_message(me->me_id, me->me_id_len), me->me_id)));
	entries = MemoryContextAllocHuge(context, sizeof(UserEntry) * Max(total, 1));
	if (nparts == 2)
		count = user_entries_merge(parts[0]->users.entries, parts[0]->users.count,
								   parts[1]->users.entries, parts[1]->users.count, entries);
	else
	{
		UserEntry  *scratch = MemoryContextAllocHuge(context, sizeof(UserEntry) * Max(total, 1));

		for (int i = 0; i < nparts; i++)
		{
			memcpy(entries + count, parts[i]->users.entries,
				   sizeof(UserEntry) * parts[i]->users.count);
			count += parts[i]->users.count;
		}
		CHECK_FOR_INTERRUPTS();
		user_entries_sort(entries, count, scratch);
		count = user_entries_fold(entries, count);
		pfree(scratch);
	}
	result->users.entries = entries;
	result->users.count = count;
	return result;
}

/*
 * The period of the span: its one present segment as it is, or the union
 * of several; NULL when no segment of it has events.  base is the union of
 * segments first..base_last, or NULL.
 */
static PeriodUsers *
span_users(StateMe *me, const Span *span, PeriodUsers *base, int32 base_last,
		   PeriodUsers **parts, MemoryContext context)
{
	int			nparts = 0;
	int32		from = span->first;

	if (base != NULL)
	{
		parts[nparts++] = base;
		from = base_last + 1;
	}
	for (int32 segment = from; segment <= span->last; segment++)
	{
		PeriodUsers *period = period_map_get(&me->periods, segment);

		CHECK_FOR_INTERRUPTS();
		if (period != NULL && period_present(period))
			parts[nparts++] = period;
	}
	if (nparts == 0)
		return NULL;
	if (nparts == 1)
		return parts[0];
	return union_of(parts, nparts, me, context);
}

/*
 * Finishes the sets of a state, and replaces the segments of every ME by
 * the spans of its plan (the hidden ones too with keep_hidden, for
 * lifetime users to look back on).  The spans once per state.
 */
void
user_state_fold(UserState *state, bool keep_hidden)
{
	const SpanPlan *plan = state->base.plan;
	MemoryContext context = state->sets.context;

	user_state_finish(state);
	if (plan == NULL || state->base.folded)
		return;
	for (int i = 0; i < state->base.nmes; i++)
	{
		StateMe    *me = &state->base.mes[i];
		PeriodMap	spans;
		PeriodUsers **parts;
		PeriodUsers *previous = NULL;
		const Span *previous_span = NULL;

		if (me->me_id == NULL)
			continue;
		parts = palloc(sizeof(PeriodUsers *) * (plan->nsegments + 1));
		period_map_init(&spans, context);
		for (int32 s = 0; s < plan->count; s++)
		{
			const Span *span = &plan->spans[s];
			bool		extends;
			PeriodUsers *period;

			if (!span->shown && !keep_hidden)
				continue;
			extends = previous_span != NULL && previous != NULL &&
				previous_span->first == span->first && previous_span->last < span->last;
			period = span_users(me, span, extends ? previous : NULL,
								extends ? previous_span->last : 0, parts, context);
			if (period != NULL)
				period_map_append(&spans, span->key, period);
			previous = period;
			previous_span = span;
		}
		pfree(parts);
		me->periods = spans;
	}
	state->base.folded = true;
}
