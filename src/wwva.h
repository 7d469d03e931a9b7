/*-------------------------------------------------------------------------
 * wwva.h
 *	  Shared declarations of the wwva extension.
 *-------------------------------------------------------------------------
 */
#ifndef WWVA_H
#define WWVA_H

#include "postgres.h"
#include "fmgr.h"
#include "access/tupdesc.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/numeric.h"

#include "money.h"

/*
 * exact_sum.c: a running exact sum kept in a long-lived memory context, as
 * a 128-bit scaled integer while it fits and a numeric beyond.
 */
typedef struct ExactSum
{
	Numeric		slow;			/* NULL means 0 */
#ifdef HAVE_INT128
	int128		fast;			/* in units of 10^-fast_scale */
	int32		fast_scale;		/* -1 until the first value */
#endif
} ExactSum;

extern void exact_sum_init(ExactSum *sum);
extern bool exact_sum_add_datum(ExactSum *sum, Datum value, MemoryContext context);
extern void exact_sum_add(ExactSum *sum, Numeric addend, MemoryContext context);
extern void exact_sum_merge(ExactSum *sum, const ExactSum *other, MemoryContext context);
extern Numeric exact_sum_value(const ExactSum *sum);

/* Text datum equal to a C string literal, without detoasting copies. */
static inline bool
text_equals(text *value, const char *literal)
{
	size_t		len = strlen(literal);	/* folded for literals: this runs per row */

	return VARSIZE_ANY_EXHDR(value) == len &&
		memcmp(VARDATA_ANY(value), literal, len) == 0;
}

extern char *text_for_message(text *value);
extern int	bytes_for_message(const char *bytes, int len);

/* Aggregate support: the aggregate memory context or an error. */
extern MemoryContext wwva_aggregate_context(FunctionCallInfo fcinfo, const char *function_name);

/* Reading a serialized aggregate state: a cursor over the bytea's bytes. */
extern void state_reader_init(StringInfo buf, bytea *flat);
extern const char *state_reader_string(StringInfo buf);
extern Numeric state_reader_numeric(StringInfo buf);

/* A function returning an array of a composite type: its rows, then the array. */
typedef struct CompositeArrayBuilder
{
	Oid			row_type;
	TupleDesc	desc;
	int16		typlen;
	bool		typbyval;
	char		typalign;
} CompositeArrayBuilder;

extern void composite_array_begin(CompositeArrayBuilder *builder, FunctionCallInfo fcinfo,
								  int natts, const char *function_name);
extern Datum composite_array_row(CompositeArrayBuilder *builder, Datum *values);
extern ArrayType *composite_array_end(CompositeArrayBuilder *builder, Datum *rows, int nrows);

/*
 * A two-dimensional array of a built-in type, nrows x ncols, from elements
 * in row order: what the per-ME "by period" aggregates return, because only
 * built-in and extension-member types can be shipped by postgres_fdw.
 */
extern ArrayType *matrix_array(Datum *elements, int nrows, int ncols, Oid element_type);
extern void single_me_error(const char *function_name, const char *first_me_id,
							int first_len, const char *second_me_id, int second_len);

/* slices.c: the planner hook that slices the passes under a filtered statement view */
extern void slices_install(void);

#endif							/* WWVA_H */
