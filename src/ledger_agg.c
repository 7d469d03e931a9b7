/*-------------------------------------------------------------------------
 * ledger_agg.c
 *	  wwva.ledger_totals(stream, kind, behavior, amount): every money sum a
 *	  statement needs, in one pass over the ledger.
 *
 * The state holds six exact sums: revenue and cost per stream, and the
 * variable part of each stream's cost.  Partial states from parallel
 * workers (or shards) are combined by adding the sums; they travel as text
 * numerics, which numeric_in validates on the way back in.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(wwva_ledger_totals_transition);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_combine);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_serialize);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_deserialize);
PG_FUNCTION_INFO_V1(wwva_ledger_totals_final);

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

#define LEDGER_STATE_MAGIC 0x57564C31	/* "WVL1" */

typedef struct LedgerState
{
	ExactSum	sums[LEDGER_SUMS];
} LedgerState;

static LedgerState *
ledger_state_new(MemoryContext context)
{
	return (LedgerState *) MemoryContextAllocZero(context, sizeof(LedgerState));
}

/*
 * Transition: add one posting.  NULL amounts are skipped, as sum() does;
 * a posting the statement cannot classify is an error naming its values.
 */
Datum
wwva_ledger_totals_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.ledger_totals_transition");
	LedgerState *state = PG_ARGISNULL(0) ? NULL : (LedgerState *) PG_GETARG_POINTER(0);
	text	   *stream,
			   *kind,
			   *behavior;
	Numeric		amount;
	bool		hardware,
				cost,
				variable = false;

	if (state == NULL)
		state = ledger_state_new(aggcontext);
	if (PG_ARGISNULL(4))
		PG_RETURN_POINTER(state);

	stream = PG_ARGISNULL(1) ? NULL : PG_GETARG_TEXT_PP(1);
	kind = PG_ARGISNULL(2) ? NULL : PG_GETARG_TEXT_PP(2);
	behavior = PG_ARGISNULL(3) ? NULL : PG_GETARG_TEXT_PP(3);
	amount = PG_GETARG_NUMERIC(4);

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
	if (!numeric_is_finite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.ledger_totals: amount is %s",
						numeric_is_nan(amount) ? "NaN" : "infinite"),
				 errhint("Ledger amounts must be finite.")));

	if (!cost)
		exact_sum_add(&state->sums[hardware ? HARDWARE_REVENUE : ECOSYSTEM_REVENUE],
					  amount, aggcontext);
	else
	{
		exact_sum_add(&state->sums[hardware ? HARDWARE_COST : ECOSYSTEM_COST],
					  amount, aggcontext);
		if (variable)
			exact_sum_add(&state->sums[hardware ? HARDWARE_VARIABLE_COST : ECOSYSTEM_VARIABLE_COST],
						  amount, aggcontext);
	}
	PG_RETURN_POINTER(state);
}

Datum
wwva_ledger_totals_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.ledger_totals_combine");
	LedgerState *state = PG_ARGISNULL(0) ? NULL : (LedgerState *) PG_GETARG_POINTER(0);
	LedgerState *other = PG_ARGISNULL(1) ? NULL : (LedgerState *) PG_GETARG_POINTER(1);

	if (other == NULL)
		PG_RETURN_POINTER(state);
	if (state == NULL)
		state = ledger_state_new(aggcontext);
	for (int i = 0; i < LEDGER_SUMS; i++)
		exact_sum_merge(&state->sums[i], &other->sums[i], aggcontext);
	PG_RETURN_POINTER(state);
}

/* Flat form: magic, then the six sums as NUL-terminated numeric text. */
Datum
wwva_ledger_totals_serialize(PG_FUNCTION_ARGS)
{
	LedgerState *state;
	StringInfoData buf;

	(void) wwva_aggregate_context(fcinfo, "wwva.ledger_totals_serialize");
	state = (LedgerState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, LEDGER_STATE_MAGIC);
	for (int i = 0; i < LEDGER_SUMS; i++)
		pq_sendstring(&buf, numeric_to_text(exact_sum_value(&state->sums[i])));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

Datum
wwva_ledger_totals_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.ledger_totals_deserialize");
	StringInfoData buf;
	LedgerState *state = ledger_state_new(aggcontext);

	state_reader_init(&buf, PG_GETARG_BYTEA_PP(0));
	if (buf.len < (int) sizeof(uint32) || pq_getmsgint(&buf, 4) != LEDGER_STATE_MAGIC)
		goto corrupt;
	for (int i = 0; i < LEDGER_SUMS; i++)
	{
		const char *text_value = state_reader_string(&buf);
		Numeric		value;

		if (text_value == NULL)
			goto corrupt;
		value = numeric_from_text(text_value);
		if (!numeric_is_finite(value))
			goto corrupt;
		exact_sum_add(&state->sums[i], value, aggcontext);
	}
	if (buf.cursor != buf.len)
		goto corrupt;
	PG_RETURN_POINTER(state);

corrupt:
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("wwva.ledger_totals_deserialize: malformed aggregate state (%d bytes)", buf.len),
			 errhint("Only states produced by wwva.ledger_totals_serialize of the same wwva version can be read.")));
	PG_RETURN_NULL();			/* keep the compiler quiet */
}

/* Final: the wwva.ledger_totals row; all zeros over no postings. */
Datum
wwva_ledger_totals_final(PG_FUNCTION_ARGS)
{
	LedgerState *state;
	TupleDesc	desc;
	Datum		values[LEDGER_SUMS];
	bool		nulls[LEDGER_SUMS] = {false};

	(void) wwva_aggregate_context(fcinfo, "wwva.ledger_totals_final");
	state = PG_ARGISNULL(0) ? NULL : (LedgerState *) PG_GETARG_POINTER(0);
	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "wwva.ledger_totals_final must return a composite type");
	desc = BlessTupleDesc(desc);
	if (desc->natts != LEDGER_SUMS)
		elog(ERROR, "wwva.ledger_totals has %d columns, expected %d", desc->natts, LEDGER_SUMS);
	for (int i = 0; i < LEDGER_SUMS; i++)
		values[i] = NumericGetDatum(state ? exact_sum_value(&state->sums[i]) : numeric_zero());
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}
