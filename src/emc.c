/*-------------------------------------------------------------------------
 * emc.c
 *	  EMC contracts: the share pool a tiered schedule gives
 *	  (wwva.share_pool), and its exact split among members given as arrays
 *	  (wwva.allocate).  The split itself is emc_split.c; the wwva.split
 *	  aggregate over member rows is emc_split_agg.c.
 *-------------------------------------------------------------------------
 */
#include "emc_split.h"

#include "catalog/pg_type.h"
#include "utils/array.h"

PG_FUNCTION_INFO_V1(wwva_share_pool);
PG_FUNCTION_INFO_V1(wwva_allocate);

/* Elements of a one-dimensional numeric array; NULL elements are errors. */
static Numeric *
numeric_array_values(ArrayType *array, const char *function_name, const char *what, int *count)
{
	Datum	   *values;
	bool	   *nulls;
	Numeric    *result;
	int			n;

	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %s must be a one-dimensional array", function_name, what),
				 errhint("Pass one value per tier or member.")));
	deconstruct_array(array, NUMERICOID, -1, false, TYPALIGN_INT, &values, &nulls, &n);
	result = palloc(sizeof(Numeric) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s: %s[%d] is NULL", function_name, what, i + 1),
					 errhint("Give every element a value.")));
		result[i] = DatumGetNumeric(values[i]);
		require_finite_argument(result[i], function_name, what, i + 1);
	}
	*count = n;
	return result;
}

/* ---------------------------------------------------------------------
 * share_pool
 * ---------------------------------------------------------------------
 */

/* Tiers: one rate per threshold, rates 0 or more, thresholds increasing. */
static void
check_tiers(const Numeric *thresholds, int nthresholds, const Numeric *rates, int nrates,
			const char *fn)
{
	if (nthresholds != nrates)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s: %d thresholds but %d rates", fn, nthresholds, nrates),
				 errhint("Pass one rate per tier threshold.")));
	for (int i = 0; i < nthresholds; i++)
	{
		if (numeric_is_negative(rates[i]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: rates[%d] is %s, which is negative", fn, i + 1, numeric_to_text(rates[i])),
					 errhint("A tier's rate is the share of value added in that tier, e.g. 0.20.")));
		if (i > 0 && numeric_compare(thresholds[i], thresholds[i - 1]) <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: thresholds[%d] = %s does not exceed thresholds[%d] = %s",
							fn, i + 1, numeric_to_text(thresholds[i]), i, numeric_to_text(thresholds[i - 1])),
					 errhint("Tier thresholds must be strictly increasing (floor, bid line, grab target, ...).")));
	}
}

/* The pool's bounds (arguments 4 and 5, NULL for none): finite, 0 or more, in order. */
static void
check_pool_bounds(FunctionCallInfo fcinfo, const char *fn)
{
	for (int arg = 4; arg <= 5; arg++)
	{
		const char *what = arg == 4 ? "pool_floor" : "pool_cap";

		if (PG_ARGISNULL(arg))
			continue;
		require_finite_argument(PG_GETARG_NUMERIC(arg), fn, what, 0);
		if (numeric_is_negative(PG_GETARG_NUMERIC(arg)))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s %s is negative", fn, what, numeric_to_text(PG_GETARG_NUMERIC(arg))),
					 errhint("The pool's bounds are 0 or more; NULL means no bound.")));
	}
	if (!PG_ARGISNULL(4) && !PG_ARGISNULL(5) &&
		numeric_compare(PG_GETARG_NUMERIC(4), PG_GETARG_NUMERIC(5)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: pool_floor %s is above pool_cap %s", fn,
						numeric_to_text(PG_GETARG_NUMERIC(4)), numeric_to_text(PG_GETARG_NUMERIC(5))),
				 errhint("The pool's lower limit cannot exceed its upper limit.")));
}

/*
 * wwva.share_pool(value_added, gate, thresholds[], rates[], pool_floor, pool_cap)
 *	  0 below the gate; otherwise each tier's rate on the value added
 *	  between its threshold and the next, bounded by pool_floor and pool_cap.
 *	  NULL gate: no gate.  NULL floor or cap: no bound.
 */
Datum
wwva_share_pool(PG_FUNCTION_ARGS)
{
	const char *fn = "wwva.share_pool";
	Numeric		value_added,
				pool = numeric_zero();
	Numeric    *thresholds = NULL,
			   *rates = NULL;
	int			nthresholds = 0,
				nrates = 0;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	value_added = PG_GETARG_NUMERIC(0);
	require_finite_argument(value_added, fn, "value_added", 0);
	if (!PG_ARGISNULL(2))
		thresholds = numeric_array_values(PG_GETARG_ARRAYTYPE_P(2), fn, "thresholds", &nthresholds);
	if (!PG_ARGISNULL(3))
		rates = numeric_array_values(PG_GETARG_ARRAYTYPE_P(3), fn, "rates", &nrates);
	check_tiers(thresholds, nthresholds, rates, nrates, fn);
	check_pool_bounds(fcinfo, fn);

	/* the gate: no value added above the leading target, no pool */
	if (!PG_ARGISNULL(1))
	{
		require_finite_argument(PG_GETARG_NUMERIC(1), fn, "gate", 0);
		if (numeric_compare(value_added, PG_GETARG_NUMERIC(1)) < 0)
			PG_RETURN_NUMERIC(numeric_zero());
	}

	for (int i = 0; i < nthresholds; i++)
	{
		Numeric		top = value_added;
		Numeric		span;

		if (i + 1 < nthresholds && numeric_compare(thresholds[i + 1], top) < 0)
			top = thresholds[i + 1];
		span = numeric_minus(top, thresholds[i]);
		if (numeric_compare(span, numeric_zero()) > 0)
			pool = numeric_plus(pool, numeric_times(rates[i], span));
	}
	if (!PG_ARGISNULL(4) && numeric_compare(pool, PG_GETARG_NUMERIC(4)) < 0)
		pool = PG_GETARG_NUMERIC(4);
	if (!PG_ARGISNULL(5) && numeric_compare(pool, PG_GETARG_NUMERIC(5)) > 0)
		pool = PG_GETARG_NUMERIC(5);
	PG_RETURN_NUMERIC(pool);
}

/* ---------------------------------------------------------------------
 * allocate
 * ---------------------------------------------------------------------
 */

static char *
name_by_position(void *context pg_attribute_unused(), int index)
{
	return psprintf("member %d", index + 1);
}

/* Optional per-member bounds array: NULL array means no bounds. */
static Numeric *
bound_array_values(FunctionCallInfo fcinfo, int argno, int n, const char *what)
{
	ArrayType  *array;
	Datum	   *values;
	bool	   *nulls;
	Numeric    *result;
	int			count;

	if (PG_ARGISNULL(argno))
		return NULL;
	array = PG_GETARG_ARRAYTYPE_P(argno);
	if (ARR_NDIM(array) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.allocate: %s must be a one-dimensional array", what),
				 errhint("Pass one value per member, in the order of weights.")));
	deconstruct_array(array, NUMERICOID, -1, false, TYPALIGN_INT, &values, &nulls, &count);
	if (count != n)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("wwva.allocate: %d weights but %d %s limits", n, count, what),
				 errhint("Pass one %s limit per member (NULL for none), or NULL for the whole array.", what)));
	result = palloc(sizeof(Numeric) * Max(n, 1));
	for (int i = 0; i < n; i++)
		result[i] = nulls[i] ? NULL : DatumGetNumeric(values[i]);
	return result;
}

/*
 * wwva.allocate(pool, weights[], lower[], upper[], scale DEFAULT 2) returns numeric[]
 */
Datum
wwva_allocate(PG_FUNCTION_ARGS)
{
	const char *fn = "wwva.allocate";
	Numeric    *weights;
	Numeric    *lower,
			   *upper;
	Numeric    *shares;
	Datum	   *result;
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(4))
		PG_RETURN_NULL();
	weights = numeric_array_values(PG_GETARG_ARRAYTYPE_P(1), fn, "weights", &n);
	if (n > MAX_MEMBERS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s: %d members, more than %d", fn, n, MAX_MEMBERS),
				 errhint("Split among at most %d members at once.", MAX_MEMBERS)));
	lower = bound_array_values(fcinfo, 2, n, "lower");
	upper = bound_array_values(fcinfo, 3, n, "upper");
	shares = palloc(sizeof(Numeric) * Max(n, 1));
	split_pool(PG_GETARG_NUMERIC(0), n, weights, lower, upper, PG_GETARG_INT32(4),
			   shares, name_by_position, NULL, fn);
	result = palloc(sizeof(Datum) * Max(n, 1));
	for (int i = 0; i < n; i++)
		result[i] = NumericGetDatum(shares[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(result, n, NUMERICOID, -1, false, TYPALIGN_INT));
}

