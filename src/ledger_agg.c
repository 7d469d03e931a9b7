/*-------------------------------------------------------------------------
 * ledger_agg.c
 *	  Every money sum a statement needs, in one pass over the ledger:
 *
 *	  wwva.ledger_totals(stream, kind, behavior, amount)
 *		the sums of the rows of a group (group by ME and period);
 *	  wwva.ledger_totals(me_id, booked_on, stream, kind, behavior, amount,
 *						 calendar)
 *		the sums of every ME and period at once, with or without GROUP BY;
 *	  wwva.ledger_totals_by_period(me_id, ..., calendar)
 *		the same grouped by me_id, as a numeric matrix: the form a shard
 *		computes for postgres_fdw, which ships only built-in result types.
 *
 * Per ME and period there are six exact sums: revenue and cost per stream,
 * and the variable part of each stream's cost.  Partial states from
 * parallel workers (or shards) are combined by adding the sums; they travel
 * as text numerics, which numeric_in validates on the way back in.
 *
 * Period numbers run from 1 to MAX_PERIOD_NO (1,000,000), and an ME keeps
 * only the periods it has postings in (a PeriodMap): a state read back
 * takes memory for the periods its bytes hold (about 230 bytes each),
 * never for the largest period number.  The readers' loops check for
 * interrupts.
 *-------------------------------------------------------------------------
 */
#include "calendar.h"
#include "me_state.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(wwva_ledger_totals_transition);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_combine);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_serialize);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_deserialize);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_final);
PG_FUNCTION_INFO_V1(wwva_me_ledger_totals_transition);
PG_FUNCTION_INFO_V1(wwva_me_ledger_totals_final);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_by_period_final);

/* Order of the sums, which is also the column order of wwva.ledger_totals. */
typedef enum LedgerSum
{
	HARDWARE_REVENUE,
	HARDWARE_COST,
	HARDWARE_VARIABLE_COST,
	ECOSYSTEM_REVENUE,
	ECOSYSTEM_COST,
	ECOSYSTEM_VARIABLE_COST,
	LEDGER_SUMS
} LedgerSum;

#define LEDGER_STATE_MAGIC 0x57564C32	/* "WVL2" */

/*
 * The state of both aggregates is a MeState whose periods hold LedgerSums.
 * The per-group form has one ME with an empty id and one period.
 */

typedef struct LedgerSums
{
	ExactSum	sums[LEDGER_SUMS];
} LedgerSums;

static MeState *
ledger_state_new(MemoryContext context, int nmes)
{
	MeState    *state = MemoryContextAllocZero(context, sizeof(MeState));

	me_state_init(state, nmes, context);
	return state;
}

static LedgerSums *
new_sums(MemoryContext context)
{
	LedgerSums *sums = MemoryContextAlloc(context, sizeof(LedgerSums));

	for (int i = 0; i < LEDGER_SUMS; i++)
		exact_sum_init(&sums->sums[i]);
	return sums;
}

static LedgerSums *
period_sums(StateMe *me, int32 period_no, MemoryContext context)
{
	void	  **slot = period_map_slot(&me->periods, period_no);

	if (*slot == NULL)
		*slot = new_sums(context);
	return (LedgerSums *) *slot;
}

static inline LedgerSums *
sums_at(const StateMe *me, int32 position)
{
	return (LedgerSums *) me->periods.entries[position].value;
}

/*
 * Adds one posting.  NULL amounts are skipped, as sum() does; a posting the
 * statement cannot classify is an error naming its values.
 */
static void
add_posting(LedgerSums *sums, FunctionCallInfo fcinfo, int first_arg, MemoryContext context)
{
	text	   *stream = PG_ARGISNULL(first_arg) ? NULL : PG_GETARG_TEXT_PP(first_arg);
	text	   *kind = PG_ARGISNULL(first_arg + 1) ? NULL : PG_GETARG_TEXT_PP(first_arg + 1);
	text	   *behavior = PG_ARGISNULL(first_arg + 2) ? NULL : PG_GETARG_TEXT_PP(first_arg + 2);
	Datum		amount = PG_GETARG_DATUM(first_arg + 3);
	bool		hardware,
				cost,
				variable = false;
	ExactSum   *first,
			   *second = NULL;

	if (stream != NULL && text_equals(stream, "hardware"))
		hardware = true;
	else if (stream != NULL && text_equals(stream, "ecosystem"))
		hardware = false;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.ledger_totals: unknown stream \"%s\"",
						stream ? text_for_message(stream) : "NULL"),
				 errhint("stream must be 'hardware' or 'ecosystem'.")));
	if (kind != NULL && text_equals(kind, "cost"))
		cost = true;
	else if (kind != NULL && text_equals(kind, "revenue"))
		cost = false;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.ledger_totals: unknown kind \"%s\"",
						kind ? text_for_message(kind) : "NULL"),
				 errhint("kind must be 'revenue' or 'cost'.")));
	if (cost)
	{
		if (behavior != NULL && text_equals(behavior, "variable"))
			variable = true;
		else if (behavior == NULL || !text_equals(behavior, "fixed"))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wwva.ledger_totals: cost with behavior \"%s\"",
							behavior ? text_for_message(behavior) : "NULL"),
					 errhint("A cost's behavior must be 'variable' or 'fixed'.")));
	}

	if (!cost)
		first = &sums->sums[hardware ? HARDWARE_REVENUE : ECOSYSTEM_REVENUE];
	else
	{
		first = &sums->sums[hardware ? HARDWARE_COST : ECOSYSTEM_COST];
		if (variable)
			second = &sums->sums[hardware ? HARDWARE_VARIABLE_COST : ECOSYSTEM_VARIABLE_COST];
	}
	if (!exact_sum_add_datum(first, amount, context))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.ledger_totals: amount is %s",
						numeric_is_nan(DatumGetNumeric(amount)) ? "NaN" : "infinite"),
				 errhint("Ledger amounts must be finite.")));
	if (second != NULL)
		(void) exact_sum_add_datum(second, amount, context);
}

/* Transition of wwva.ledger_totals(stream, kind, behavior, amount). */
Datum
wwva_ledger_totals_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.ledger_totals_transition");
	MeState    *state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);

	if (state == NULL)
	{
		state = ledger_state_new(aggcontext, 1);
		state_me_init(&state->mes[0], "", 0, aggcontext);
		(void) period_sums(&state->mes[0], 1, aggcontext);
	}
	if (!PG_ARGISNULL(4))
		add_posting(period_sums(&state->mes[0], 1, aggcontext), fcinfo, 1, aggcontext);
	PG_RETURN_POINTER(state);
}

/*
 * Transition of wwva.ledger_totals(me_id, booked_on, stream, kind, behavior,
 * amount, calendar).  Postings dated outside every period, and postings of
 * an ME not in the calendar, are skipped (wwva.unassigned lists them).
 */
Datum
wwva_me_ledger_totals_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.me_ledger_totals_transition");
	MeState    *state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);
	Calendar   *calendar = calendar_argument(fcinfo, 7, state ? &state->calendar_hash : NULL,
											 "wwva.ledger_totals");
	int			me;
	int32		period_no;

	if (state == NULL)
	{
		state = ledger_state_new(aggcontext, calendar->nmes);
		state->calendar_hash = calendar->hash;
		state->plan = span_plan_copy(calendar->plan, aggcontext);
	}
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.ledger_totals: me_id is NULL"),
				 errhint("Every posting belongs to an ME.")));
	if (PG_ARGISNULL(2) || PG_ARGISNULL(6))
		PG_RETURN_POINTER(state);
	period_no = calendar_period_of_date(calendar, PG_GETARG_DATEADT(2));
	if (period_no == 0)
		PG_RETURN_POINTER(state);

	me = calendar_me_find(fcinfo, 1, calendar, &state->last_me);
	if (me < 0)
		PG_RETURN_POINTER(state);
	if (state->mes[me].me_id == NULL)
		state_me_init(&state->mes[me], calendar->mes[me].me_id, calendar->mes[me].me_id_len,
					  aggcontext);
	add_posting(period_sums(&state->mes[me], period_no, aggcontext), fcinfo, 3, aggcontext);
	PG_RETURN_POINTER(state);
}

static void
merge_ledger_me(StateMe *into, StateMe *from, void *context)
{
	for (int32 k = 0; k < from->periods.count; k++)
	{
		LedgerSums *target = period_sums(into, from->periods.entries[k].period_no, context);

		CHECK_FOR_INTERRUPTS();
		for (int i = 0; i < LEDGER_SUMS; i++)
			exact_sum_merge(&target->sums[i], &sums_at(from, k)->sums[i], context);
	}
}

/* An ME of the second state only is copied: that state is not modified. */
static void
copy_ledger_me(StateMe *into, StateMe *from, void *context)
{
	state_me_init(into, from->me_id, from->me_id_len, context);
	merge_ledger_me(into, from, context);
}

/* Combine: ME by ME in me_id order; the second state is not modified. */
Datum
wwva_ledger_totals_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.ledger_totals_combine");
	MeState    *state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);
	MeState    *other = PG_ARGISNULL(1) ? NULL : (MeState *) PG_GETARG_POINTER(1);

	if (other == NULL)
		PG_RETURN_POINTER(state);
	if (state == NULL)
		state = ledger_state_new(aggcontext, 0);
	me_state_combine(state, other, aggcontext, merge_ledger_me, copy_ledger_me, aggcontext);
	PG_RETURN_POINTER(state);
}

/*
 * Flat form: magic, number of MEs, then per ME: me_id (length, bytes),
 * number of periods (segments) with postings, and per such period its
 * number and the six sums as NUL-terminated numeric text; then the span
 * plan, if there is one (me_state_write_plan).
 */
Datum
wwva_ledger_totals_serialize(PG_FUNCTION_ARGS)
{
	MeState    *state;
	StringInfoData buf;

	(void) wwva_aggregate_context(fcinfo, "wwva_internal.ledger_totals_serialize");
	state = (MeState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	me_state_write_magic(&buf, state, LEDGER_STATE_MAGIC);
	pq_sendint32(&buf, me_state_count_mes(state));
	for (int i = 0; i < state->nmes; i++)
	{
		StateMe    *me = &state->mes[i];

		if (me->me_id == NULL)
			continue;
		period_map_sort(&me->periods);
		pq_sendint32(&buf, me->me_id_len);
		pq_sendbytes(&buf, me->me_id, me->me_id_len);
		pq_sendint32(&buf, me->periods.count);
		for (int32 k = 0; k < me->periods.count; k++)
		{
			CHECK_FOR_INTERRUPTS();
			pq_sendint32(&buf, me->periods.entries[k].period_no);
			for (int s = 0; s < LEDGER_SUMS; s++)
				pq_sendstring(&buf, numeric_to_text(exact_sum_value(&sums_at(me, k)->sums[s])));
		}
	}
	me_state_write_plan(&buf, state);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

/* The periods of an ME at the reader's cursor, present of them. */
static void
read_ledger_periods(MeStateReader *reader, StateMe *me, int32 present, MemoryContext context)
{
	int32		previous = 0;

	for (int32 k = 0; k < present; k++)
	{
		int32		period_no = me_state_read_period_no(reader);
		LedgerSums *sums;

		if (period_no <= previous || period_no > MAX_PERIOD_NO)
			me_state_corrupt(reader, "bad period");
		previous = period_no;
		/* what the bytes hold: one period's sums */
		sums = new_sums(context);
		period_map_append(&me->periods, period_no, sums);
		for (int s = 0; s < LEDGER_SUMS; s++)
		{
			Numeric		value = state_reader_numeric(&reader->buf);

			if (value == NULL)
				me_state_corrupt(reader, "bad sum");
			exact_sum_add(&sums->sums[s], value, context);
		}
	}
}

Datum
wwva_ledger_totals_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.ledger_totals_deserialize");
	MeStateReader reader;
	MeState    *state;
	int32		nmes;

	nmes = me_state_read_begin(&reader, PG_GETARG_BYTEA_PP(0), LEDGER_STATE_MAGIC, 8,
							   "wwva_internal.ledger_totals_deserialize: malformed aggregate state",
							   "Only states produced by wwva.ledger_totals_serialize of the same wwva version can be read.");
	state = ledger_state_new(aggcontext, nmes);
	for (int i = 0; i < nmes; i++)
	{
		StateMe    *me = &state->mes[i];
		int			id_len;
		const char *id = me_state_read_me_id(&reader, &id_len);
		int32		present = me_state_read_period_count(&reader);

		state_me_init(me, id, id_len, aggcontext);
		period_map_reserve(&me->periods, present);
		if (i > 0 && state_me_compare(&state->mes[i - 1], me) >= 0)
			me_state_corrupt(&reader, "MEs out of order");
		read_ledger_periods(&reader, me, present, aggcontext);
	}
	me_state_read_end(&reader, state, aggcontext);
	PG_RETURN_POINTER(state);
}

static void
sums_values(const LedgerSums *sums, Datum *values)
{
	for (int i = 0; i < LEDGER_SUMS; i++)
		values[i] = NumericGetDatum(sums ? exact_sum_value(&sums->sums[i]) : numeric_zero());
}

/* Final of the per-group form: the wwva.ledger_totals row; zeros over no postings. */
Datum
wwva_ledger_totals_final(PG_FUNCTION_ARGS)
{
	MeState    *state;
	TupleDesc	desc;
	Datum		values[LEDGER_SUMS];
	bool		nulls[LEDGER_SUMS] = {false};
	LedgerSums *sums = NULL;

	(void) wwva_aggregate_context(fcinfo, "wwva_internal.ledger_totals_final");
	state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "wwva_internal.ledger_totals_final must return a composite type");
	desc = BlessTupleDesc(desc);
	if (desc->natts != LEDGER_SUMS)
		elog(ERROR, "wwva.ledger_totals has %d columns, expected %d", desc->natts, LEDGER_SUMS);
	if (state != NULL && state->nmes > 0 && state->mes[0].me_id != NULL)
		sums = period_map_get(&state->mes[0].periods, 1);
	sums_values(sums, values);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/*
 * The segments' sums gathered into the plan's shown spans, ME by ME: what
 * the per-ME finals report.  Once per state (a state shared by two finals
 * is folded by the first).
 */
static void
fold_ledger_spans(MeState *state, MemoryContext context)
{
	if (state == NULL || state->plan == NULL || state->folded)
		return;
	for (int i = 0; i < state->nmes; i++)
	{
		StateMe    *me = &state->mes[i];
		PeriodMap	spans;

		if (me->me_id == NULL)
			continue;
		period_map_init(&spans, context);
		for (int32 s = 0; s < state->plan->count; s++)
		{
			const Span *span = &state->plan->spans[s];
			LedgerSums *total = NULL;

			if (!span->shown)
				continue;
			for (int32 segment = span->first; segment <= span->last; segment++)
			{
				LedgerSums *sums = period_map_get(&me->periods, segment);

				CHECK_FOR_INTERRUPTS();
				if (sums == NULL)
					continue;
				if (total == NULL)
					total = new_sums(context);
				for (int k = 0; k < LEDGER_SUMS; k++)
					exact_sum_merge(&total->sums[k], &sums->sums[k], context);
			}
			if (total != NULL)
				period_map_append(&spans, span->key, total);
		}
		me->periods = spans;
	}
	state->folded = true;
}

/* The six sums of the period at position k: every period present has postings. */
static bool
period_sums_values(StateMe *me, int32 k, Datum *values, void *arg pg_attribute_unused())
{
	sums_values(sums_at(me, k), values);
	return true;
}

/*
 * Final of the per-ME form: an array of wwva.me_ledger_totals rows, by ME
 * and period, for the pairs with postings.
 */
Datum
wwva_me_ledger_totals_final(PG_FUNCTION_ARGS)
{
	MeState    *state;
	CompositeArrayBuilder builder;
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.me_ledger_totals_final");

	state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);
	composite_array_begin(&builder, fcinfo, 2 + LEDGER_SUMS, "wwva_internal.me_ledger_totals_final");
	fold_ledger_spans(state, aggcontext);
	PG_RETURN_ARRAYTYPE_P(me_state_rows(state, &builder, true, period_sums_values, NULL));
}

/*
 * Final of wwva.ledger_totals_by_period: the group's one ME as a matrix,
 * one row per period with postings: {period_no, the six sums}.
 */
Datum
wwva_ledger_totals_by_period_final(PG_FUNCTION_ARGS)
{
	MeState    *state;
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.ledger_totals_by_period");

	state = PG_ARGISNULL(0) ? NULL : (MeState *) PG_GETARG_POINTER(0);
	fold_ledger_spans(state, aggcontext);
	PG_RETURN_ARRAYTYPE_P(by_period_matrix(me_state_only_me(state, "wwva.ledger_totals_by_period"),
										   LEDGER_SUMS, NUMERICOID, period_sums_values, NULL));
}
