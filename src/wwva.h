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

/* money.c: exact numeric helpers shared by the functions and aggregates */
extern bool numeric_is_finite(Numeric num);
extern Numeric numeric_zero(void);
extern Numeric numeric_plus(Numeric a, Numeric b);
extern Numeric numeric_minus(Numeric a, Numeric b);
extern Numeric numeric_times(Numeric a, Numeric b);
extern int	numeric_compare(Numeric a, Numeric b);
extern Numeric numeric_exact_quotient(Numeric dividend, Numeric divisor);
extern char *numeric_to_text(Numeric num);
extern Numeric numeric_from_text(const char *text);

/* A running exact sum kept in a long-lived memory context. */
typedef struct ExactSum
{
	Numeric		value;			/* NULL means 0 */
} ExactSum;

extern void exact_sum_add(ExactSum *sum, Numeric addend, MemoryContext context);
extern void exact_sum_merge(ExactSum *sum, const ExactSum *other, MemoryContext context);
extern Numeric exact_sum_value(const ExactSum *sum);

/* Text datum equal to a C string literal, without detoasting copies. */
extern bool text_equals(text *value, const char *literal);
extern char *text_for_message(text *value);

/* Aggregate support: the aggregate memory context or an error. */
extern MemoryContext wwva_aggregate_context(FunctionCallInfo fcinfo, const char *function_name);

/* Reading a serialized aggregate state: a cursor over the bytea's bytes. */
extern void state_reader_init(StringInfo buf, bytea *flat);
extern const char *state_reader_string(StringInfo buf);

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

#endif							/* WWVA_H */
