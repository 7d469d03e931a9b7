/*-------------------------------------------------------------------------
 * me_state.c
 *	  The per-ME, per-period skeleton of the ledger and user aggregate
 *	  states (see me_state.h).
 *
 * A reader's loops check for interrupts, and every count it reads is
 * bounded by the bytes left before it sizes anything, so what a state
 * read back takes follows what its bytes hold.
 *-------------------------------------------------------------------------
 */
#include "me_state.h"
#include "calendar.h"

#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

PG_FUNCTION_INFO_V1(wwva_matrix_row);

void
me_state_init(MeState *state, int nmes, MemoryContext context)
{
	state->nmes = nmes;
	state->mes = MemoryContextAllocZero(context, sizeof(StateMe) * Max(nmes, 1));
	state->calendar_hash = 0;
	state->last_me = 0;
	state->plan = NULL;
	state->folded = false;
}

/* The ME gets its id (and a map of no periods yet): it has rows. */
void
state_me_init(StateMe *me, const char *me_id, int me_id_len, MemoryContext context)
{
	me->me_id = MemoryContextAlloc(context, me_id_len + 1);
	memcpy(me->me_id, me_id, me_id_len);
	me->me_id[me_id_len] = '\0';
	me->me_id_len = me_id_len;
	period_map_init(&me->periods, context);
}

int
state_me_compare(const StateMe *a, const StateMe *b)
{
	return compare_me_ids(a->me_id, a->me_id_len, b->me_id, b->me_id_len);
}

/* How many MEs have rows. */
int32
me_state_count_mes(const MeState *state)
{
	int32		count = 0;

	for (int i = 0; i < state->nmes; i++)
		if (state->mes[i].me_id != NULL)
			count++;
	return count;
}

void
me_state_combine(MeState *state, MeState *other, MemoryContext context,
				 StateMeMerge merge, StateMeMerge adopt, void *arg)
{
	StateMe    *merged = MemoryContextAllocZero(context,
												sizeof(StateMe) * Max(state->nmes + other->nmes, 1));
	int			i = 0,
				j = 0,
				n = 0;

	while (i < state->nmes || j < other->nmes)
	{
		StateMe    *a = i < state->nmes ? &state->mes[i] : NULL;
		StateMe    *b = j < other->nmes ? &other->mes[j] : NULL;
		int			cmp;

		if ((a && a->me_id == NULL) || (b && b->me_id == NULL))
		{
			i += (a && a->me_id == NULL);
			j += (b && b->me_id == NULL);
			continue;
		}
		cmp = a == NULL ? 1 : b == NULL ? -1 : state_me_compare(a, b);
		if (cmp < 0)
			merged[n] = state->mes[i++];
		else if (cmp > 0)
			adopt(&merged[n], &other->mes[j++], arg);
		else
		{
			merged[n] = state->mes[i++];
			merge(&merged[n], &other->mes[j++], arg);
		}
		n++;
	}
	if (!span_plans_equal(state->plan, other->plan))
	{
		if (state->plan != NULL && other->plan != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("wwva: cannot combine aggregate states of different calendars"),
					 errhint("Pass the same (SELECT wwva.current_calendar()) for every row.")));
		state->plan = span_plan_copy(state->plan ? state->plan : other->plan, context);
	}
	pfree(state->mes);
	state->mes = merged;
	state->nmes = n;
	state->last_me = 0;
}

void
me_state_corrupt(const MeStateReader *reader, const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("%s (%d bytes): %s", reader->malformed, reader->buf.len, what),
			 errhint("%s", reader->hint)));
}

int32
me_state_read_int32(MeStateReader *reader, const char *what)
{
	if (reader->buf.len - reader->buf.cursor < 4)
		me_state_corrupt(reader, what);
	return pq_getmsgint(&reader->buf, 4);
}

/*
 * Starts reading flat: its magic, then the number of MEs, each of which
 * takes at least min_me_bytes; that number.
 */
int32
me_state_read_begin(MeStateReader *reader, bytea *flat, int32 magic, int min_me_bytes,
					const char *malformed, const char *hint)
{
	int32		nmes;
	int32		found;

	state_reader_init(&reader->buf, flat);
	reader->malformed = malformed;
	reader->hint = hint;
	found = me_state_read_int32(reader, "bad header");
	if (found != magic && found != magic + 1)
		me_state_corrupt(reader, "bad header");
	reader->with_plan = found == magic + 1;
	nmes = me_state_read_int32(reader, "bad ME count");
	if (nmes < 0 || nmes > (reader->buf.len - reader->buf.cursor) / min_me_bytes)
		me_state_corrupt(reader, "bad ME count");
	return nmes;
}

/* An ME's id (length, bytes), which comes back as text; it points into the state. */
const char *
me_state_read_me_id(MeStateReader *reader, int *len)
{
	const char *id;

	*len = me_state_read_int32(reader, "truncated ME");
	CHECK_FOR_INTERRUPTS();
	if (*len < 0 || *len > reader->buf.len - reader->buf.cursor)
		me_state_corrupt(reader, "truncated ME");
	id = pq_getmsgbytes(&reader->buf, *len);
	/* no NUL and nothing the encoding forbids */
	if (!pg_verifymbstr(id, *len, true))
		me_state_corrupt(reader, "ME id is not valid text");
	return id;
}

/* An ME's number of periods present. */
int32
me_state_read_period_count(MeStateReader *reader)
{
	int32		present = me_state_read_int32(reader, "truncated ME");

	if (present < 0 || present > MAX_PERIOD_NO)
		me_state_corrupt(reader, "bad period count");
	/* a period takes at least 16 bytes: room for them costs what their bytes do */
	if ((int64) present * 16 > reader->buf.len - reader->buf.cursor)
		me_state_corrupt(reader, "truncated period");
	return present;
}

/* A period's number, which its reader checks against the one before. */
int32
me_state_read_period_no(MeStateReader *reader)
{
	int32		period_no = me_state_read_int32(reader, "truncated period");

	CHECK_FOR_INTERRUPTS();
	return period_no;
}

void
me_state_write_magic(StringInfo buf, const MeState *state, int32 magic)
{
	pq_sendint32(buf, state->plan != NULL && !state->folded ? magic + 1 : magic);
}

/* A folded state's periods are spans: it is written as a state of no plan. */
void
me_state_write_plan(StringInfo buf, const MeState *state)
{
	if (state->plan != NULL && !state->folded)
		span_plan_write(buf, state->plan);
}

/* The plan, if the state has one, and the end of the bytes. */
void
me_state_read_end(MeStateReader *reader, MeState *state, MemoryContext context)
{
	if (reader->with_plan)
	{
		const char *problem;

		state->plan = span_plan_read(&reader->buf, context, &problem);
		if (state->plan == NULL)
			me_state_corrupt(reader, problem ? problem : "empty span plan");
	}
	if (reader->buf.cursor != reader->buf.len)
		me_state_corrupt(reader, "trailing bytes");
}

/*
 * The rows of a per-ME final, by ME and period: me_id (with_me_id),
 * period_no, then the period's values; state may be NULL.
 */
ArrayType *
me_state_rows(MeState *state, CompositeArrayBuilder *builder, bool with_me_id,
			  PeriodValues period_values, void *arg)
{
	int			capacity = 16,
				nrows = 0;
	Datum	   *rows = palloc(sizeof(Datum) * capacity);
	Datum	   *values = palloc(sizeof(Datum) * builder->desc->natts);
	int			first_value = with_me_id ? 2 : 1;

	for (int i = 0; state != NULL && i < state->nmes; i++)
	{
		StateMe    *me = &state->mes[i];

		if (me->me_id == NULL)
			continue;
		period_map_sort(&me->periods);
		for (int32 k = 0; k < me->periods.count; k++)
		{
			CHECK_FOR_INTERRUPTS();
			if (!period_values(me, k, values + first_value, arg))
				continue;
			if (with_me_id)
				values[0] = PointerGetDatum(cstring_to_text_with_len(me->me_id, me->me_id_len));
			values[first_value - 1] = Int32GetDatum(me->periods.entries[k].period_no);
			if (nrows == capacity)
			{
				capacity *= 2;
				rows = repalloc(rows, sizeof(Datum) * capacity);
			}
			rows[nrows++] = composite_array_row(builder, values);
		}
	}
	return composite_array_end(builder, rows, nrows);
}

/* The one ME with rows in the group of a "by period" final, or NULL for none. */
StateMe *
me_state_only_me(MeState *state, const char *function_name)
{
	StateMe    *only = NULL;

	for (int i = 0; state != NULL && i < state->nmes; i++)
	{
		if (state->mes[i].me_id == NULL)
			continue;
		if (only != NULL)
			single_me_error(function_name, only->me_id, only->me_id_len,
							state->mes[i].me_id, state->mes[i].me_id_len);
		only = &state->mes[i];
	}
	return only;
}

/*
 * A "by period" final's matrix of the ME (or NULL): a row per period,
 * {period_no, its nvalues values}, in element_type (numeric or bigint).
 */
ArrayType *
by_period_matrix(StateMe *me, int nvalues, Oid element_type, PeriodValues period_values,
				 void *arg)
{
	Datum	   *elements = NULL;
	int			nrows = 0;

	if (me != NULL)
		period_map_sort(&me->periods);
	for (int32 k = 0; me != NULL && k < me->periods.count; k++)
	{
		Datum	   *row;
		int32		period_no = me->periods.entries[k].period_no;

		CHECK_FOR_INTERRUPTS();
		if (elements == NULL)
			elements = palloc(sizeof(Datum) * (1 + nvalues) * me->periods.count);
		row = elements + nrows * (1 + nvalues);
		if (!period_values(me, k, row + 1, arg))
			continue;
		row[0] = element_type == NUMERICOID ?
			DirectFunctionCall1(int4_numeric, Int32GetDatum(period_no)) : Int64GetDatum(period_no);
		nrows++;
	}
	return matrix_array(elements, nrows, 1 + nvalues, element_type);
}

/*
 * wwva_internal.matrix_row(matrix anyarray, period_no integer) returns
 * anyarray: the row of a "by period" matrix (numeric or bigint, as
 * by_period_matrix builds it) whose first element is period_no, or NULL.
 * The views join a pair to its ME's matrix and take the pair's row out
 * with it, so that the grouped pass over a ledger is one row per ME.
 */
Datum
wwva_matrix_row(PG_FUNCTION_ARGS)
{
	ArrayType  *matrix = PG_GETARG_ARRAYTYPE_P(0);
	int32		period_no = PG_GETARG_INT32(1);
	Oid			element_type = ARR_ELEMTYPE(matrix);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *elements;
	bool	   *nulls;
	int			count,
				ncols;
	Datum		key;

	if (ARR_NDIM(matrix) == 0)
		PG_RETURN_NULL();
	if (ARR_NDIM(matrix) != 2 || (element_type != NUMERICOID && element_type != INT8OID))
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva_internal.matrix_row: not a matrix of a \"by period\" aggregate"),
				 errhint("Pass the result of wwva.ledger_totals_by_period or wwva.user_resource_counts_by_period.")));
	ncols = ARR_DIMS(matrix)[1];
	get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
	deconstruct_array(matrix, element_type, typlen, typbyval, typalign, &elements, &nulls, &count);
	key = element_type == NUMERICOID ?
		DirectFunctionCall1(int4_numeric, Int32GetDatum(period_no)) : Int64GetDatum(period_no);
	for (int row = 0; ncols > 0 && row < count / ncols; row++)
	{
		Datum		first = elements[row * ncols];
		bool		match;

		if (nulls[row * ncols])
			continue;
		match = element_type == NUMERICOID ?
			DatumGetInt32(DirectFunctionCall2(numeric_cmp, first, key)) == 0 :
			DatumGetInt64(first) == DatumGetInt64(key);
		if (match)
		{
			int			dims[1] = {ncols};
			int			lbs[1] = {1};

			PG_RETURN_ARRAYTYPE_P(construct_md_array(elements + row * ncols, nulls + row * ncols, 1,
													 dims, lbs, element_type, typlen, typbyval,
													 typalign));
		}
	}
	PG_RETURN_NULL();
}
