/*-------------------------------------------------------------------------
 * money.c
 *	  Exact money arithmetic: per-active-user figures (sections 4c-5c) and
 *	  the sharing rule payout (2d-2f).  Running sums are in exact_sum.c.
 *
 * Everything is numeric.  Quotients that terminate are returned exactly
 * with trailing zeros trimmed (39.6, not 39.6000000000000000); those that
 * do not are rounded half away from zero to PER_USER_SCALE decimals
 * (README "Scales").
 *-------------------------------------------------------------------------
 */
#include "money.h"

#include "fmgr.h"
#include "utils/builtins.h"

PG_FUNCTION_INFO_V1(wwva_marginal_cost);
PG_FUNCTION_INFO_V1(wwva_marginal_income);
PG_FUNCTION_INFO_V1(wwva_sharing_amount);

bool
numeric_is_finite(Numeric num)
{
	return !numeric_is_nan(num) && !numeric_is_inf(num);
}

Numeric
numeric_zero(void)
{
	return int64_to_numeric(0);
}

Numeric
numeric_plus(Numeric a, Numeric b)
{
	return numeric_add_opt_error(a, b, NULL);
}

Numeric
numeric_minus(Numeric a, Numeric b)
{
	return numeric_sub_opt_error(a, b, NULL);
}

Numeric
numeric_times(Numeric a, Numeric b)
{
	return numeric_mul_opt_error(a, b, NULL);
}

int
numeric_compare(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp,
											 NumericGetDatum(a),
											 NumericGetDatum(b)));
}

char *
numeric_to_text(Numeric num)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(num)));
}

/* numeric_in: validates the text, raising an error on anything malformed */
Numeric
numeric_from_text(const char *text)
{
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text),
											   ObjectIdGetDatum(InvalidOid),
											   Int32GetDatum(-1)));
}

/* decimals of a per-user figure whose quotient does not terminate */
#define PER_USER_SCALE 6

/*
 * dividend / divisor: exact when the quotient terminates within numeric
 * division's precision (at least 16 significant digits), else rounded to
 * PER_USER_SCALE decimals.  The caller guarantees a non-zero divisor.
 */
Numeric
numeric_exact_quotient(Numeric dividend, Numeric divisor)
{
	Numeric		quotient = numeric_div_opt_error(dividend, divisor, NULL);

	if (numeric_compare(numeric_times(quotient, divisor), dividend) == 0)
		return DatumGetNumeric(DirectFunctionCall1(numeric_trim_scale,
												   NumericGetDatum(quotient)));
	return DatumGetNumeric(DirectFunctionCall2(numeric_round,
											   NumericGetDatum(quotient),
											   Int32GetDatum(PER_USER_SCALE)));
}

static void
require_finite(Numeric value, const char *function_name, const char *argument)
{
	if (!numeric_is_finite(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: argument %s is %s, not a finite amount",
						function_name, argument,
						numeric_is_nan(value) ? "NaN" : "infinite"),
				 errhint("Pass a finite numeric amount in the currency unit.")));
}

static void
require_active_users(int64 active_users, const char *function_name)
{
	if (active_users < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: active_users is " INT64_FORMAT ", which is negative",
						function_name, active_users),
				 errhint("active_users is a count of users (line 1b), 0 or more.")));
}

/*
 * wwva.marginal_cost(variable_cost numeric, active_users bigint)
 *	  variable_cost / active_users; NULL when there are no active users.
 */
Datum
wwva_marginal_cost(PG_FUNCTION_ARGS)
{
	Numeric		variable_cost = PG_GETARG_NUMERIC(0);
	int64		active_users = PG_GETARG_INT64(1);

	require_finite(variable_cost, "wwva.marginal_cost", "variable_cost");
	require_active_users(active_users, "wwva.marginal_cost");
	if (active_users == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(numeric_exact_quotient(variable_cost,
											 int64_to_numeric(active_users)));
}

/*
 * wwva.marginal_income(revenue numeric, variable_cost numeric, active_users bigint)
 *	  (revenue - variable_cost) / active_users; NULL when there are none.
 */
Datum
wwva_marginal_income(PG_FUNCTION_ARGS)
{
	Numeric		revenue = PG_GETARG_NUMERIC(0);
	Numeric		variable_cost = PG_GETARG_NUMERIC(1);
	int64		active_users = PG_GETARG_INT64(2);

	require_finite(revenue, "wwva.marginal_income", "revenue");
	require_finite(variable_cost, "wwva.marginal_income", "variable_cost");
	require_active_users(active_users, "wwva.marginal_income");
	if (active_users == 0)
		PG_RETURN_NULL();
	PG_RETURN_NUMERIC(numeric_exact_quotient(numeric_minus(revenue, variable_cost),
											 int64_to_numeric(active_users)));
}

/*
 * wwva.sharing_amount(base numeric, rate numeric, floor numeric, cap numeric)
 *	  A party's share under a sharing rule: rate x base clamped to
 *	  [floor, cap], 0 when the base is <= 0, NULL when the base is unknown
 *	  (an excess-over-target rule without a target).  NULL floor or cap
 *	  means no bound.
 */
Datum
wwva_sharing_amount(PG_FUNCTION_ARGS)
{
	Numeric		base,
				rate,
				share;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	base = PG_GETARG_NUMERIC(0);
	rate = PG_GETARG_NUMERIC(1);
	require_finite(base, "wwva.sharing_amount", "base");
	require_finite(rate, "wwva.sharing_amount", "rate");
	if (numeric_compare(rate, numeric_zero()) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.sharing_amount: rate %s is negative",
						numeric_to_text(rate)),
				 errhint("Give the rate as a fraction of the base, e.g. 0.25 for 25%%.")));
	if (!PG_ARGISNULL(2))
		require_finite(PG_GETARG_NUMERIC(2), "wwva.sharing_amount", "floor");
	if (!PG_ARGISNULL(3))
		require_finite(PG_GETARG_NUMERIC(3), "wwva.sharing_amount", "cap");
	if (!PG_ARGISNULL(2) && !PG_ARGISNULL(3) &&
		numeric_compare(PG_GETARG_NUMERIC(2), PG_GETARG_NUMERIC(3)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("wwva.sharing_amount: floor is above cap"),
				 errhint("The floor is the least and the cap the most a party receives: floor <= cap.")));

	if (numeric_compare(base, numeric_zero()) <= 0)
		PG_RETURN_NUMERIC(numeric_zero());

	share = numeric_times(rate, base);
	if (!PG_ARGISNULL(2) && numeric_compare(share, PG_GETARG_NUMERIC(2)) < 0)
		share = PG_GETARG_NUMERIC(2);
	if (!PG_ARGISNULL(3) && numeric_compare(share, PG_GETARG_NUMERIC(3)) > 0)
		share = PG_GETARG_NUMERIC(3);
	PG_RETURN_NUMERIC(share);
}
