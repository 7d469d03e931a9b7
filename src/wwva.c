/*-------------------------------------------------------------------------
 * wwva.c
 *	  Module entry and small helpers shared by every concern.
 *
 * The concerns live in their own files: periods.c and the calendar
 * (calendar.c, calendar_make.c, local_clock.c) assign rows to periods,
 * ledger_check.c validates rows, money.c and exact_sum.c do the exact
 * arithmetic, ledger_agg.c and the user_*.c files are the aggregates the
 * section views run over the ledgers (on me_state.c), emc*.c the EMC
 * contracts, refresh.c the materialized statement, slices.c the planner
 * hook that lets a filter on periods reach the passes.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Read by the capture triggers through current_setting(); see sql/materialize.sql. */
static int	capture_row_limit = 1000000;

void
_PG_init(void)
{
	DefineCustomIntVariable("wwva.capture_row_limit",
							"Rows a writing statement may copy for wwva.refresh().",
							"A statement that inserts, updates or deletes more ledger rows than this marks their (ME, period) pairs for a rebuild instead: wwva.refresh() then reads them back from the ledgers.",
							&capture_row_limit,
							1000000, 0, INT_MAX,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	slices_install();
#if PG_VERSION_NUM >= 150000
	MarkGUCPrefixReserved("wwva");
#else
	EmitWarningsOnPlaceholders("wwva");
#endif
}

#define MESSAGE_BYTES 64

/*
 * How many of len bytes (in the database encoding) an error message
 * quotes: at most 64, cut where a character ends, so that the message
 * still converts to the client's encoding.
 */
int
bytes_for_message(const char *bytes, int len)
{
	return len > MESSAGE_BYTES ? pg_mbcliplen(bytes, len, MESSAGE_BYTES) : len;
}

/* A bounded, printable copy of a text value for an error message. */
char *
text_for_message(text *value)
{
	text	   *unpacked = pg_detoast_datum_packed(value);

	return pnstrdup(VARDATA_ANY(unpacked),
					bytes_for_message(VARDATA_ANY(unpacked), VARSIZE_ANY_EXHDR(unpacked)));
}

MemoryContext
wwva_aggregate_context(FunctionCallInfo fcinfo, const char *function_name)
{
	MemoryContext aggcontext;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s called in non-aggregate context", function_name),
				 errhint("It is a support function of a wwva aggregate; call the aggregate instead.")));
	return aggcontext;
}

void
state_reader_init(StringInfo buf, bytea *flat)
{
	buf->data = VARDATA_ANY(flat);
	buf->len = VARSIZE_ANY_EXHDR(flat);
	buf->maxlen = buf->len;
	buf->cursor = 0;
}

/* The NUL-terminated string at the cursor, or NULL if none ends in the buffer. */
const char *
state_reader_string(StringInfo buf)
{
	const char *start = buf->data + buf->cursor;
	const char *end = memchr(start, '\0', buf->len - buf->cursor);

	if (end == NULL)
		return NULL;
	buf->cursor += end - start + 1;
	return start;
}

/*
 * The finite numeric at the cursor, written as numeric_out writes one
 * (-?digits, then optionally a point and digits), or NULL when the bytes
 * there are anything else: a corrupt state is reported by the caller, not
 * as numeric_in's syntax error.
 */
Numeric
state_reader_numeric(StringInfo buf)
{
	const char *text = state_reader_string(buf);
	const char *c = text;

	if (text == NULL)
		return NULL;
	if (*c == '-')
		c++;
	if (!isdigit((unsigned char) *c))
		return NULL;
	while (isdigit((unsigned char) *c))
		c++;
	if (*c == '.')
	{
		c++;
		if (!isdigit((unsigned char) *c))
			return NULL;
		while (isdigit((unsigned char) *c))
			c++;
	}
	if (*c != '\0')
		return NULL;
	return numeric_from_text(text);
}

void
composite_array_begin(CompositeArrayBuilder *builder, FunctionCallInfo fcinfo,
					  int natts, const char *function_name)
{
	builder->row_type = get_element_type(get_fn_expr_rettype(fcinfo->flinfo));
	if (!OidIsValid(builder->row_type))
		elog(ERROR, "%s must return an array of a composite type", function_name);
	builder->desc = lookup_rowtype_tupdesc_copy(builder->row_type, -1);
	if (builder->desc->natts != natts)
		elog(ERROR, "%s: row type has %d columns, expected %d",
			 function_name, builder->desc->natts, natts);
	get_typlenbyvalalign(builder->row_type, &builder->typlen, &builder->typbyval,
						 &builder->typalign);
}

Datum
composite_array_row(CompositeArrayBuilder *builder, Datum *values)
{
	bool	   *nulls = palloc0(sizeof(bool) * builder->desc->natts);

	return HeapTupleGetDatum(heap_form_tuple(builder->desc, values, nulls));
}

ArrayType *
composite_array_end(CompositeArrayBuilder *builder, Datum *rows, int nrows)
{
	if (nrows == 0)
		return construct_empty_array(builder->row_type);
	return construct_array(rows, nrows, builder->row_type, builder->typlen,
						   builder->typbyval, builder->typalign);
}

ArrayType *
matrix_array(Datum *elements, int nrows, int ncols, Oid element_type)
{
	int			dims[2] = {nrows, ncols};
	int			lbs[2] = {1, 1};
	int16		typlen;
	bool		typbyval;
	char		typalign;

	get_typlenbyvalalign(element_type, &typlen, &typbyval, &typalign);
	if (nrows == 0)
		return construct_empty_array(element_type);
	return construct_md_array(elements, NULL, 2, dims, lbs, element_type,
							  typlen, typbyval, typalign);
}

/*
 * A "by period" aggregate found two MEs in one group: its rows carry no
 * ME id, so mixing MEs would lose which row is whose.
 */
void
single_me_error(const char *function_name, const char *first_me_id, int first_len,
				const char *second_me_id, int second_len)
{
	ereport(ERROR,
			(errcode(ERRCODE_GROUPING_ERROR),
			 errmsg("%s: rows of MEs \"%.*s\" and \"%.*s\" in one group", function_name,
					bytes_for_message(first_me_id, first_len), first_me_id,
					bytes_for_message(second_me_id, second_len), second_me_id),
			 errhint("It returns one ME's periods: call it with GROUP BY me_id.")));
}
