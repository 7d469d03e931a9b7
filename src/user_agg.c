/*-------------------------------------------------------------------------
 * user_agg.c
 *	  Section 1 of the statement in one pass over the user events:
 *
 *	  wwva.user_resource_counts(me_id, user_id, kind, occurred_at, calendar)
 *		every ME and period at once, with or without GROUP BY me_id;
 *	  wwva.user_resource_counts(user_id, kind, period_no, N, K)
 *		the periods of one ME, for callers that assign periods themselves;
 *	  wwva.user_resource_counts_by_period(me_id, ..., calendar)
 *		the same grouped by me_id, as a bigint matrix for postgres_fdw.
 *
 * Per ME and period the state (user_state.c) keeps the users seen there
 * (user_sets.c), each with its transaction count and whether it interacted
 * or co-created, plus the period's count of customization events.  Lifetime
 * users need an ME's earlier periods, so the final functions count
 * (user_counts.c) from all periods of an ME at once.
 *
 * Period numbers run from 1 to MAX_PERIOD_NO (1,000,000); a number outside
 * is an error with a hint.
 *-------------------------------------------------------------------------
 */
#include "user_counts.h"
#include "calendar.h"

#include "catalog/pg_type.h"

PG_FUNCTION_INFO_V1(wwva_me_user_counts_transition);
PG_FUNCTION_INFO_V1(wwva_me_user_counts_final);
PG_FUNCTION_INFO_V1(wwva_user_counts_by_period_final);
PG_FUNCTION_INFO_V1(wwva_user_counts_transition);
PG_FUNCTION_INFO_V1(wwva_user_counts_combine);
PG_FUNCTION_INFO_V1(wwva_user_counts_serialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_deserialize);
PG_FUNCTION_INFO_V1(wwva_user_counts_final);
PG_FUNCTION_INFO_V1(wwva_user_state_final);

/* One event in a period; false for an unknown kind. */
static bool
add_event(UserState *state, PeriodUsers *period, int64 user_id, text *kind)
{
	if (text_equals(kind, "interaction"))
		user_set_add(&period->users, &state->sets, user_key(user_id), 0, USER_INTERACTED);
	else if (text_equals(kind, "transaction"))
		user_set_add(&period->users, &state->sets, user_key(user_id), 1, 0);
	else if (text_equals(kind, "customization"))
		period->customizations++;
	else if (text_equals(kind, "co_creation"))
		user_set_add(&period->users, &state->sets, user_key(user_id), 0, USER_CO_CREATED);
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
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.user_counts_transition");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	StateMe    *me;

	if (state == NULL)
	{
		state = user_state_new(aggcontext, 1);
		state_me_init(&state->base.mes[0], "", 0, aggcontext);
	}
	me = &state->base.mes[0];
	if (PG_ARGISNULL(4) || PG_ARGISNULL(5))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.user_resource_counts: min_transactions and lifetime_periods must not be NULL"),
				 errhint("Pass the ME's wwva.me.active_min_transactions and lifetime_periods.")));
	user_me_settings(me, PG_GETARG_INT32(4), PG_GETARG_INT32(5));
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
 * calendar).  Events outside every period, and events of an ME not in the
 * calendar, are skipped (wwva.unassigned lists them); the ME's settings and
 * time zone come from the calendar.
 */
Datum
wwva_me_user_counts_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.me_user_counts_transition");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	Calendar   *calendar = calendar_argument(fcinfo, 5, state ? &state->base.calendar_hash : NULL,
											 "wwva.user_resource_counts");
	int			me;
	StateMe    *slot;
	int32		period_no;

	if (state == NULL)
	{
		state = user_state_new(aggcontext, calendar->nmes);
		state->base.calendar_hash = calendar->hash;
		state->base.plan = span_plan_copy(calendar->plan, aggcontext);
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

	me = calendar_me_find(fcinfo, 1, calendar, &state->base.last_me);
	if (me < 0)
		PG_RETURN_POINTER(state);
	slot = &state->base.mes[me];
	if (slot->me_id == NULL)
	{
		state_me_init(slot, calendar->mes[me].me_id, calendar->mes[me].me_id_len, aggcontext);
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

/*
 * Combine.  The second state is one deserialize just built in the aggregate
 * context (PostgreSQL always serializes partial states of internal type),
 * so it may be consumed.
 */
Datum
wwva_user_counts_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.user_counts_combine");
	UserState  *state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	UserState  *other = PG_ARGISNULL(1) ? NULL : (UserState *) PG_GETARG_POINTER(1);

	state = user_state_combine(state, other, aggcontext);
	if (state == NULL)
		PG_RETURN_NULL();
	PG_RETURN_POINTER(state);
}

Datum
wwva_user_counts_serialize(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva_internal.user_counts_serialize");
	PG_RETURN_BYTEA_P(user_state_write((UserState *) PG_GETARG_POINTER(0)));
}

/*
 * Final of wwva.user_resource_state(me_id, ..., calendar): the state with
 * its segments gathered into the calendar's periods, as a state of no plan
 * whose period numbers are period_nos: what wwva.refresh() stores per pair.
 */
Datum
wwva_user_state_final(PG_FUNCTION_ARGS)
{
	UserState  *state;

	(void) wwva_aggregate_context(fcinfo, "wwva_internal.user_state_final");
	state = (UserState *) PG_GETARG_POINTER(0);
	user_state_fold(state, false);
	PG_RETURN_BYTEA_P(user_state_write(state));
}

Datum
wwva_user_counts_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.user_counts_deserialize");

	PG_RETURN_POINTER(user_state_read(PG_GETARG_BYTEA_PP(0), aggcontext));
}

/*
 * Final of wwva.user_resource_counts(user_id, kind, period_no, N, K): an
 * array of wwva.user_resource_counts rows, one per period with events.
 */
Datum
wwva_user_counts_final(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva_internal.user_counts_final");
	PG_RETURN_ARRAYTYPE_P(counts_array(PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0),
									   fcinfo, false, "wwva_internal.user_counts_final"));
}

/*
 * Final of wwva.user_resource_counts(me_id, ..., calendar): an array of
 * wwva.me_user_resource_counts rows, by ME and period, for the pairs with
 * events.
 */
Datum
wwva_me_user_counts_final(PG_FUNCTION_ARGS)
{
	(void) wwva_aggregate_context(fcinfo, "wwva_internal.me_user_counts_final");
	PG_RETURN_ARRAYTYPE_P(counts_array(PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0),
									   fcinfo, true, "wwva_internal.me_user_counts_final"));
}

/*
 * Final of wwva.user_resource_counts_by_period: the group's one ME as a
 * bigint matrix, one row per period with events: {period_no, the counts}.
 */
Datum
wwva_user_counts_by_period_final(PG_FUNCTION_ARGS)
{
	UserState  *state;
	StateMe    *only;

	(void) wwva_aggregate_context(fcinfo, "wwva.user_resource_counts_by_period");
	state = PG_ARGISNULL(0) ? NULL : (UserState *) PG_GETARG_POINTER(0);
	only = me_state_only_me(state ? &state->base : NULL, "wwva.user_resource_counts_by_period");
	if (only != NULL)
		user_state_fold(state, true);
	PG_RETURN_ARRAYTYPE_P(by_period_matrix(only, USER_COUNTS, INT8OID, period_count_values,
										   state ? state->base.plan : NULL));
}
