/*-------------------------------------------------------------------------
 * user_stored.c
 *	  Stored user states.  wwva.user_resource_state(me_id, ..., calendar) is
 *	  the per-ME aggregate with the flat state as its result; the functions
 *	  here let SQL keep such states, merge them and count from them: what
 *	  the materialized statement stores per ME and period, and what a shard
 *	  sends.
 *-------------------------------------------------------------------------
 */
#include "user_counts.h"

#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

PG_FUNCTION_INFO_V1(wwva_user_state_union_transition);
PG_FUNCTION_INFO_V1(wwva_user_state_counts);
PG_FUNCTION_INFO_V1(wwva_user_state_pairs);

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
	user_state_fold(state, false);
	for (int i = 0; i < state->base.nmes; i++)
	{
		StateMe    *me = &state->base.mes[i];

		for (int32 k = 0; k < me->periods.count; k++)
		{
			Datum		values[3];
			bool		nulls[3] = {false, false, false};

			CHECK_FOR_INTERRUPTS();
			if (!period_present(period_at(me, k)))
				continue;
			values[0] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
			values[1] = Int32GetDatum(me->periods.entries[k].period_no);
			values[2] = PointerGetDatum(user_state_write_period(me, k));
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
