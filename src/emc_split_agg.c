/*-------------------------------------------------------------------------
 * emc_split_agg.c
 *	  wwva.split(member_id, weight, lower, upper, pool, scale): the split of
 *	  emc_split.c as an aggregate over member rows.  Members are ordered by
 *	  id (byte order, whatever the collation) before splitting, so ties go
 *	  to the smaller id and the result does not depend on the order rows
 *	  arrive in.
 *-------------------------------------------------------------------------
 */
#include "emc_split.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(wwva_split_transition);
PG_FUNCTION_INFO_V1(wwva_split_combine);
PG_FUNCTION_INFO_V1(wwva_split_serialize);
PG_FUNCTION_INFO_V1(wwva_split_deserialize);
PG_FUNCTION_INFO_V1(wwva_split_final);

typedef struct SplitRow
{
	char	   *member_id;
	Numeric		weight;
	Numeric		lower;			/* NULL = 0 */
	Numeric		upper;			/* NULL = unbounded */
} SplitRow;

typedef struct SplitState
{
	MemoryContext context;
	Numeric		pool;			/* NULL until the first row */
	int32		scale;
	int			nrows;
	int			capacity;
	SplitRow   *rows;
} SplitState;

#define SPLIT_STATE_MAGIC 0x57565331	/* "WVS1" */

static SplitState *
split_state_new(MemoryContext context)
{
	SplitState *state = MemoryContextAllocZero(context, sizeof(SplitState));

	state->context = context;
	return state;
}

static Numeric
copy_numeric(Numeric value, MemoryContext context)
{
	MemoryContext old;
	Numeric		copy;

	if (value == NULL)
		return NULL;
	old = MemoryContextSwitchTo(context);
	copy = DatumGetNumericCopy(NumericGetDatum(value));
	MemoryContextSwitchTo(old);
	return copy;
}

static void
split_set_terms(SplitState *state, Numeric pool, int32 scale)
{
	if (state->pool == NULL)
	{
		require_finite_argument(pool, "wwva.split", "pool", 0);
		state->pool = copy_numeric(pool, state->context);
		state->scale = scale;
	}
	else if (numeric_compare(state->pool, pool) != 0 || state->scale != scale)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.split: pool %s with scale %d differs from pool %s with scale %d within one group",
						numeric_to_text(pool), scale, numeric_to_text(state->pool), state->scale),
				 errhint("Group by the pool being split (e.g. by EMC and period): one pool per group.")));
}

static void
split_add_row(SplitState *state, const char *member_id, Numeric weight, Numeric lower, Numeric upper)
{
	SplitRow   *row;

	if (state->nrows >= MAX_MEMBERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("wwva.split: more than %d members in one group", MAX_MEMBERS),
				 errhint("Split among at most %d members at once.", MAX_MEMBERS)));
	if (state->nrows == state->capacity)
	{
		state->capacity = Max(16, state->capacity * 2);
		state->rows = state->rows == NULL ?
			MemoryContextAlloc(state->context, sizeof(SplitRow) * state->capacity) :
			repalloc(state->rows, sizeof(SplitRow) * state->capacity);
	}
	row = &state->rows[state->nrows++];
	row->member_id = MemoryContextStrdup(state->context, member_id);
	row->weight = copy_numeric(weight, state->context);
	row->lower = copy_numeric(lower, state->context);
	row->upper = copy_numeric(upper, state->context);
}

Datum
wwva_split_transition(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.split_transition");
	SplitState *state = PG_ARGISNULL(0) ? split_state_new(aggcontext) : (SplitState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(5) || PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("wwva.split: member_id, weight, pool and scale must not be NULL"),
				 errhint("lower and upper may be NULL (no limit); the rest is required for every member row.")));
	split_set_terms(state, PG_GETARG_NUMERIC(5), PG_GETARG_INT32(6));
	split_add_row(state, text_to_cstring(PG_GETARG_TEXT_PP(1)), PG_GETARG_NUMERIC(2),
				  PG_ARGISNULL(3) ? NULL : PG_GETARG_NUMERIC(3),
				  PG_ARGISNULL(4) ? NULL : PG_GETARG_NUMERIC(4));
	PG_RETURN_POINTER(state);
}

Datum
wwva_split_combine(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.split_combine");
	SplitState *state = PG_ARGISNULL(0) ? NULL : (SplitState *) PG_GETARG_POINTER(0);
	SplitState *other = PG_ARGISNULL(1) ? NULL : (SplitState *) PG_GETARG_POINTER(1);

	if (other == NULL || other->pool == NULL)
		PG_RETURN_POINTER(state);
	if (state == NULL)
		state = split_state_new(aggcontext);
	split_set_terms(state, other->pool, other->scale);
	for (int i = 0; i < other->nrows; i++)
		split_add_row(state, other->rows[i].member_id, other->rows[i].weight,
					  other->rows[i].lower, other->rows[i].upper);
	PG_RETURN_POINTER(state);
}

static void
send_optional_numeric(StringInfo buf, Numeric value)
{
	pq_sendbyte(buf, value != NULL);
	if (value != NULL)
		pq_sendstring(buf, numeric_to_text(value));
}

/* Flat form: magic, scale, pool, row count, then per row the id and numbers as text. */
Datum
wwva_split_serialize(PG_FUNCTION_ARGS)
{
	SplitState *state;
	StringInfoData buf;

	(void) wwva_aggregate_context(fcinfo, "wwva_internal.split_serialize");
	state = (SplitState *) PG_GETARG_POINTER(0);
	pq_begintypsend(&buf);
	pq_sendint32(&buf, SPLIT_STATE_MAGIC);
	pq_sendint32(&buf, state->scale);
	send_optional_numeric(&buf, state->pool);
	pq_sendint32(&buf, state->nrows);
	for (int i = 0; i < state->nrows; i++)
	{
		pq_sendstring(&buf, state->rows[i].member_id);
		pq_sendstring(&buf, numeric_to_text(state->rows[i].weight));
		send_optional_numeric(&buf, state->rows[i].lower);
		send_optional_numeric(&buf, state->rows[i].upper);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

static void
corrupt_split_state(int len)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("wwva_internal.split_deserialize: malformed aggregate state (%d bytes)", len),
			 errhint("Only states produced by wwva.split_serialize of the same wwva version can be read.")));
}

/* A NUL-terminated string inside the buffer, or an error. */
static const char *
get_string(StringInfo buf)
{
	const char *value = state_reader_string(buf);

	if (value == NULL)
		corrupt_split_state(buf->len);
	return value;
}

static Numeric
get_numeric(StringInfo buf)
{
	Numeric		value = state_reader_numeric(buf);

	if (value == NULL)
		corrupt_split_state(buf->len);
	return value;
}

static Numeric
get_optional_numeric(StringInfo buf)
{
	if (buf->cursor >= buf->len)
		corrupt_split_state(buf->len);
	return pq_getmsgbyte(buf) ? get_numeric(buf) : NULL;
}

Datum
wwva_split_deserialize(PG_FUNCTION_ARGS)
{
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva_internal.split_deserialize");
	bytea	   *flat = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	SplitState *state = split_state_new(aggcontext);
	int32		scale,
				nrows;
	Numeric		pool;

	state_reader_init(&buf, flat);
	if (buf.len < 9 || pq_getmsgint(&buf, 4) != SPLIT_STATE_MAGIC)
		corrupt_split_state(buf.len);
	scale = pq_getmsgint(&buf, 4);
	pool = get_optional_numeric(&buf);
	if (buf.len - buf.cursor < 4)
		corrupt_split_state(buf.len);
	nrows = pq_getmsgint(&buf, 4);
	if (nrows < 0 || nrows > MAX_MEMBERS || (pool == NULL && nrows > 0))
		corrupt_split_state(buf.len);
	if (pool != NULL)
		split_set_terms(state, pool, scale);
	for (int i = 0; i < nrows; i++)
	{
		const char *member_id = get_string(&buf);
		Numeric		weight = get_numeric(&buf);
		Numeric		lower = get_optional_numeric(&buf);
		Numeric		upper = get_optional_numeric(&buf);

		split_add_row(state, member_id, weight, lower, upper);
	}
	if (buf.cursor != buf.len)
		corrupt_split_state(buf.len);
	PG_RETURN_POINTER(state);
}

static int
compare_rows_by_id(const void *a, const void *b)
{
	return strcmp(((const SplitRow *) a)->member_id, ((const SplitRow *) b)->member_id);
}

static char *
name_by_member_id(void *context, int index)
{
	return psprintf("member \"%s\"", ((SplitRow *) context)[index].member_id);
}

/* Final: wwva.member_share[] in member id order. */
Datum
wwva_split_final(PG_FUNCTION_ARGS)
{
	SplitState *state;
	CompositeArrayBuilder builder;
	SplitRow   *rows;
	Numeric    *weights,
			   *lower,
			   *upper,
			   *shares;
	Datum	   *elements;
	int			n;

	(void) wwva_aggregate_context(fcinfo, "wwva_internal.split_final");
	state = PG_ARGISNULL(0) ? NULL : (SplitState *) PG_GETARG_POINTER(0);
	composite_array_begin(&builder, fcinfo, 2, "wwva_internal.split_final");
	if (state == NULL || state->nrows == 0)
		return PointerGetDatum(composite_array_end(&builder, NULL, 0));

	/* sort a copy: the final function must leave the state as it was */
	n = state->nrows;
	rows = palloc(sizeof(SplitRow) * n);
	memcpy(rows, state->rows, sizeof(SplitRow) * n);
	qsort(rows, n, sizeof(SplitRow), compare_rows_by_id);
	weights = palloc(sizeof(Numeric) * n);
	lower = palloc(sizeof(Numeric) * n);
	upper = palloc(sizeof(Numeric) * n);
	shares = palloc(sizeof(Numeric) * n);
	for (int i = 0; i < n; i++)
	{
		if (i > 0 && strcmp(rows[i].member_id, rows[i - 1].member_id) == 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNIQUE_VIOLATION),
					 errmsg("wwva.split: member \"%s\" appears twice in one group", rows[i].member_id),
					 errhint("Each member takes part in a split once.")));
		weights[i] = rows[i].weight;
		lower[i] = rows[i].lower;
		upper[i] = rows[i].upper;
	}
	split_pool(state->pool, n, weights, lower, upper, state->scale, shares,
			   name_by_member_id, rows, "wwva.split");

	elements = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		Datum		values[2];

		values[0] = CStringGetTextDatum(rows[i].member_id);
		values[1] = NumericGetDatum(shares[i]);
		elements[i] = composite_array_row(&builder, values);
	}
	PG_RETURN_ARRAYTYPE_P(composite_array_end(&builder, elements, n));
}
