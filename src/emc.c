/*-------------------------------------------------------------------------
 * emc.c
 *	  EMC contracts: the share pool a tiered schedule gives, and its exact
 *	  split among members.
 *
 * The split works in integer units of the currency's minor unit (10^-scale)
 * so that every comparison and remainder is exact numeric arithmetic:
 *
 * 1. Water-filling: each member's share is clamp(lambda * weight, lower,
 *	  upper) for a lambda that makes the shares add up to the pool (the
 *	  shares are the same for every such lambda).  The sum is piecewise
 *	  linear in lambda, bending where a member leaves its lower limit
 *	  (lambda = lower / weight) or reaches its upper one (upper / weight).
 *	  Those points are sorted once and walked in order, keeping the sum's
 *	  constant part (the limits of the members held at one) and slope (the
 *	  weights of the free members), until the sum reaches the pool; then
 *	  lambda = remaining / free weight exactly.  The order of the points
 *	  is exact: a logarithm (a double, never a share) orders two points
 *	  only when it is far beyond its error from a tie, and exact cross
 *	  products decide the rest; every amount is numeric.  O(n log n) numeric operations and O(n) memory for n
 *	  members, where fixing the violators round after round (what 0.5.0
 *	  did, with the same results) took up to n rounds of O(n) each.
 * 2. Largest remainder: free members get the floor of their exact share;
 *	  the leftover units go one each to the largest exact remainders, ties
 *	  to the earlier position.  Remainders are compared as exact numerators
 *	  over the common denominator, never as rounded quotients.  Members at
 *	  a limit exactly have no remainder and never get a unit, so whether
 *	  they count as free does not change a share.
 *
 * What no member can take (all capped) is not distributed: the caller sees
 * it as pool - sum(shares), the "retained" line.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include <ctype.h>
#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(wwva_share_pool);
PG_FUNCTION_INFO_V1(wwva_allocate);
PG_FUNCTION_INFO_V1(wwva_split_transition);
PG_FUNCTION_INFO_V1(wwva_split_combine);
PG_FUNCTION_INFO_V1(wwva_split_serialize);
PG_FUNCTION_INFO_V1(wwva_split_deserialize);
PG_FUNCTION_INFO_V1(wwva_split_final);

#define MAX_SCALE 1000
#define MAX_MEMBERS 100000

/* ---------------------------------------------------------------------
 * numeric helpers
 * ---------------------------------------------------------------------
 */
static Numeric
numeric_call1(PGFunction fn, Numeric a)
{
	return DatumGetNumeric(DirectFunctionCall1(fn, NumericGetDatum(a)));
}

static Numeric
numeric_call2(PGFunction fn, Numeric a, Numeric b)
{
	return DatumGetNumeric(DirectFunctionCall2(fn, NumericGetDatum(a), NumericGetDatum(b)));
}

static bool
numeric_is_negative(Numeric a)
{
	return numeric_compare(a, numeric_zero()) < 0;
}

/* 10^exponent, exact for any exponent, negative ones included */
static Numeric
power_of_ten(int exponent)
{
	return numeric_from_text(psprintf("1e%d", exponent));
}

/*
 * units x minor_unit (10^-scale), displayed with exactly scale digits.  A
 * multiplication, never a division: division would round past 16
 * significant digits.
 */
static Numeric
from_units(Numeric units, Numeric minor_unit, int scale)
{
	Numeric		value = numeric_times(units, minor_unit);

	return DatumGetNumeric(DirectFunctionCall2(numeric_round, NumericGetDatum(value),
											   Int32GetDatum(scale)));
}

static void
require_finite_argument(Numeric value, const char *function_name, const char *what, int position)
{
	if (!numeric_is_finite(value))
	{
		if (position > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s[%d] is %s", function_name, what, position,
							numeric_is_nan(value) ? "NaN" : "infinite"),
					 errhint("Every element of %s must be a finite number.", what)));
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s is %s", function_name, what,
						numeric_is_nan(value) ? "NaN" : "infinite"),
				 errhint("Pass a finite %s.", what)));
	}
}

static void
require_finite_member_value(Numeric value, const char *function_name, const char *what,
							const char *member)
{
	if (!numeric_is_finite(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: %s of %s is %s", function_name, what, member,
						numeric_is_nan(value) ? "NaN" : "infinite"),
				 errhint("Weights and limits must be finite numbers; use NULL for no upper limit.")));
}

/* ---------------------------------------------------------------------
 * share_pool
 * ---------------------------------------------------------------------
 */

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
 * The split
 * ---------------------------------------------------------------------
 */
typedef enum MemberState
{
	MEMBER_FREE,
	MEMBER_AT_LOWER,
	MEMBER_AT_UPPER
} MemberState;

typedef struct SplitMember
{
	Numeric		weight;
	Numeric		lower;			/* in units, integral */
	Numeric		upper;			/* in units, integral; NULL = unbounded */
	MemberState state;
	Numeric		units;			/* result, in units */
	Numeric		remainder;		/* exact numerator of the fractional part */
	int			position;		/* tie-break order */
} SplitMember;

static int
compare_remainders(const void *a, const void *b)
{
	const SplitMember *x = *(SplitMember *const *) a;
	const SplitMember *y = *(SplitMember *const *) b;
	int			c = numeric_compare(y->remainder, x->remainder);

	CHECK_FOR_INTERRUPTS();
	return c != 0 ? c : (x->position > y->position) - (x->position < y->position);
}

/* The sign of a * b - c * d, leaving no garbage behind. */
static int
compare_products(Numeric a, Numeric b, Numeric c, Numeric d)
{
	Numeric		ab = numeric_times(a, b);
	Numeric		cd = numeric_times(c, d);
	int			cmp = numeric_compare(ab, cd);

	pfree(ab);
	pfree(cd);
	return cmp;
}

/* A point where the sum of shares bends: a member leaves its lower limit or reaches its upper. */
typedef struct SplitEvent
{
	SplitMember *member;
	bool		upper;
	double		log_lambda;		/* log10(limit / weight) within 1e-10; -inf for 0 */
} SplitEvent;

static inline Numeric
event_limit(const SplitEvent *event)
{
	return event->upper ? event->member->upper : event->member->lower;
}

/*
 * log10 of a positive numeric from its first 17 significant digits and its
 * decimal exponent, whatever its magnitude (a double could not hold
 * 10^400): off by less than 5e-11 even at numeric's largest exponents, so
 * two ratios whose logarithms differ by more than 1e-9 are ordered right.
 */
static double
approximate_log10(Numeric value)
{
	char	   *text = numeric_to_text(value);
	bool		after_point = false,
				started = false;
	int			integer_digits = 0,
				leading_zeros = 0,
				taken = 0;
	double		mantissa = 0,		/* 0.d1d2...d17 */
				unit = 0.1;

	for (const char *c = text; *c != '\0'; c++)
	{
		if (*c == '.')
			after_point = true;
		else if (!isdigit((unsigned char) *c))
			continue;
		else if (!started && *c == '0')
			leading_zeros += after_point;
		else
		{
			started = true;
			integer_digits += !after_point;
			if (taken++ < 17)
			{
				mantissa += (*c - '0') * unit;
				unit /= 10;
			}
		}
	}
	pfree(text);
	/* value = mantissa * 10^(integer digits, or minus the zeros after the point) */
	return log10(mantissa) + (integer_digits > 0 ? integer_digits : -leading_zeros);
}

/* log10(limit / weight), to order most events without numeric products */
static double
approximate_log_lambda(Numeric limit, Numeric weight)
{
	if (numeric_compare(limit, numeric_zero()) == 0)
		return -INFINITY;
	return approximate_log10(limit) - approximate_log10(weight);
}

/*
 * By lambda = limit / weight (weights are positive here), then lower
 * first, then position.  Two approximations further apart than their
 * error decide; otherwise the exact cross products do.
 */
static int
compare_events(const void *a, const void *b)
{
	const SplitEvent *x = a;
	const SplitEvent *y = b;
	int			c;

	CHECK_FOR_INTERRUPTS();
	if (x->log_lambda > y->log_lambda + 1e-9)
		c = 1;
	else if (y->log_lambda > x->log_lambda + 1e-9)
		c = -1;
	else if (x->log_lambda == -INFINITY && y->log_lambda == -INFINITY)
		c = 0;					/* both limits are 0 */
	else
		c = compare_products(event_limit(x), y->member->weight, event_limit(y), x->member->weight);
	if (c != 0)
		return c;
	if (x->upper != y->upper)
		return x->upper ? 1 : -1;
	return (x->member->position > y->member->position) - (x->member->position < y->member->position);
}

/* Whether level + slope * (limit / weight) >= pool, i.e. the sum of shares reaches the pool there. */
static bool
reaches_pool(Numeric level, Numeric slope, const SplitEvent *event, Numeric pool)
{
	Numeric		a = numeric_times(level, event->member->weight);
	Numeric		b = numeric_times(slope, event_limit(event));
	Numeric		sum = numeric_plus(a, b);
	Numeric		target = numeric_times(pool, event->member->weight);
	bool		reached = numeric_compare(sum, target) >= 0;

	pfree(a);
	pfree(b);
	pfree(sum);
	pfree(target);
	return reached;
}

/* Replaces *value with *value + addend (or - addend), freeing the old value. */
static void
numeric_add_in_place(Numeric *value, Numeric addend, bool subtract)
{
	Numeric		result = subtract ? numeric_minus(*value, addend) : numeric_plus(*value, addend);

	pfree(*value);
	*value = result;
}

/*
 * Step 1 (see the file header): sets each member's state and returns the
 * units the free members share; free_members[0..*nfree) receives them in
 * position order.  lower_total is the sum of every lower limit.
 */
static Numeric
water_fill(SplitMember *members, int n, Numeric pool_units, Numeric lower_total,
		   SplitMember **free_members, int *nfree)
{
	SplitEvent *events = palloc(sizeof(SplitEvent) * Max(2 * n, 1));
	int			nevents = 0;
	Numeric		level = DatumGetNumericCopy(NumericGetDatum(lower_total));
	Numeric		slope = numeric_zero();

	/* every member starts at its lower limit; one of weight 0 stays there */
	for (int i = 0; i < n; i++)
	{
		SplitMember *m = &members[i];

		CHECK_FOR_INTERRUPTS();
		m->state = MEMBER_AT_LOWER;
		if (numeric_compare(m->weight, numeric_zero()) <= 0)
			continue;
		events[nevents].member = m;
		events[nevents].upper = false;
		events[nevents].log_lambda = approximate_log_lambda(m->lower, m->weight);
		nevents++;
		if (m->upper != NULL)
		{
			events[nevents].member = m;
			events[nevents].upper = true;
			events[nevents].log_lambda = approximate_log_lambda(m->upper, m->weight);
			nevents++;
		}
	}
	qsort(events, nevents, sizeof(SplitEvent), compare_events);

	/*
	 * The sum at lambda is level + slope * lambda until the next event; it
	 * is continuous, so the events at one lambda leave it unchanged there.
	 */
	for (int e = 0; e < nevents; e++)
	{
		SplitEvent *event = &events[e];
		SplitMember *m = event->member;

		CHECK_FOR_INTERRUPTS();
		if (reaches_pool(level, slope, event, pool_units))
			break;
		if (event->upper)
		{
			m->state = MEMBER_AT_UPPER;
			numeric_add_in_place(&level, m->upper, false);
			numeric_add_in_place(&slope, m->weight, true);
		}
		else
		{
			m->state = MEMBER_FREE;
			numeric_add_in_place(&level, m->lower, true);
			numeric_add_in_place(&slope, m->weight, false);
		}
	}
	pfree(events);

	/* no free member: all at their limits (what they cannot take is retained) */
	*nfree = 0;
	for (int i = 0; i < n; i++)
		if (members[i].state == MEMBER_FREE)
			free_members[(*nfree)++] = &members[i];
	return numeric_minus(pool_units, level);
}

/*
 * Split pool among members; shares[i] receives member i's share with
 * exactly scale digits.  lower[i] NULL means 0, upper[i] NULL unbounded.
 * describe(i) names member i in error messages.
 */
typedef char *(*MemberNamer) (void *context, int index);

static void
split_pool(Numeric pool, int n, Numeric *weights, Numeric *lower, Numeric *upper,
		   int scale, Numeric *shares, MemberNamer describe, void *describe_context,
		   const char *fn)
{
	Numeric		unit_factor;
	Numeric		minor_unit;
	Numeric		pool_units;
	Numeric		lower_total;
	Numeric		remaining;
	SplitMember *members = palloc0(sizeof(SplitMember) * Max(n, 1));
	SplitMember **free_members = palloc(sizeof(SplitMember *) * Max(n, 1));
	int			nfree;

	if (scale < 0 || scale > MAX_SCALE)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: scale %d is outside 0 to %d", fn, scale, MAX_SCALE),
				 errhint("scale is the number of decimal digits of each share, e.g. 2 for cents.")));
	require_finite_argument(pool, fn, "pool", 0);
	if (numeric_is_negative(pool))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: pool %s is negative", fn, numeric_to_text(pool)),
				 errhint("A share pool is 0 or more; below the gate it is 0.")));

	unit_factor = power_of_ten(scale);
	minor_unit = power_of_ten(-scale);
	pool_units = numeric_call1(numeric_floor, numeric_times(pool, unit_factor));
	lower_total = numeric_zero();
	for (int i = 0; i < n; i++)
	{
		SplitMember *m = &members[i];

		CHECK_FOR_INTERRUPTS();
		m->position = i;
		m->weight = weights[i];
		require_finite_member_value(m->weight, fn, "weight", describe(describe_context, i));
		if (numeric_is_negative(m->weight))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: weight of %s is %s, which is negative", fn,
							describe(describe_context, i), numeric_to_text(m->weight)),
					 errhint("Share weights are 0 or more.")));
		m->lower = numeric_zero();
		if (lower && lower[i])
		{
			require_finite_member_value(lower[i], fn, "lower limit", describe(describe_context, i));
			if (numeric_is_negative(lower[i]))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: lower limit of %s is %s, which is negative", fn,
								describe(describe_context, i), numeric_to_text(lower[i])),
						 errhint("Lower limits are 0 or more.")));
			/* inward to whole units: the share must have at most scale digits */
			m->lower = numeric_call1(numeric_ceil, numeric_times(lower[i], unit_factor));
		}
		m->upper = NULL;
		if (upper && upper[i])
		{
			require_finite_member_value(upper[i], fn, "upper limit", describe(describe_context, i));
			m->upper = numeric_call1(numeric_floor, numeric_times(upper[i], unit_factor));
			if (numeric_compare(m->lower, m->upper) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("%s: %s has lower limit %s above upper limit %s", fn,
								describe(describe_context, i),
								numeric_to_text((lower && lower[i]) ? lower[i] : numeric_zero()),
								numeric_to_text(upper[i])),
						 errhint("Each member's lower limit must not exceed its upper limit (and both round to %d digits).",
								 scale)));
		}
		lower_total = numeric_plus(lower_total, m->lower);
	}

	/* Below the gate the pool is 0 and so is every share, lower limits too. */
	if (numeric_compare(pool_units, numeric_zero()) == 0)
	{
		for (int i = 0; i < n; i++)
			shares[i] = from_units(numeric_zero(), minor_unit, scale);
		return;
	}
	if (numeric_compare(lower_total, pool_units) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: lower limits add up to %s, more than the pool %s", fn,
						numeric_to_text(from_units(lower_total, minor_unit, scale)), numeric_to_text(pool)),
				 errhint("Lower the members' lower limits or raise the pool floor to at least their sum.")));

	/* 1. water-filling */
	remaining = water_fill(members, n, pool_units, lower_total, free_members, &nfree);

	/* 2. whole units, largest remainder */
	for (int i = 0; i < n; i++)
	{
		SplitMember *m = &members[i];

		if (m->state == MEMBER_AT_LOWER)
			m->units = m->lower;
		else if (m->state == MEMBER_AT_UPPER)
			m->units = m->upper;
	}
	if (nfree > 0)
	{
		Numeric		free_weight = numeric_zero();
		Numeric		leftover = remaining;

		for (int f = 0; f < nfree; f++)
		{
			CHECK_FOR_INTERRUPTS();
			free_weight = numeric_plus(free_weight, free_members[f]->weight);
		}
		for (int f = 0; f < nfree; f++)
		{
			SplitMember *m = free_members[f];
			Numeric		numerator = numeric_times(remaining, m->weight);

			CHECK_FOR_INTERRUPTS();
			m->units = numeric_call2(numeric_div_trunc, numerator, free_weight);
			m->remainder = numeric_minus(numerator, numeric_times(m->units, free_weight));
			leftover = numeric_minus(leftover, m->units);
		}
		qsort(free_members, nfree, sizeof(SplitMember *), compare_remainders);
		for (int f = 0; f < nfree && numeric_compare(leftover, numeric_zero()) > 0; f++)
		{
			CHECK_FOR_INTERRUPTS();
			free_members[f]->units = numeric_plus(free_members[f]->units, int64_to_numeric(1));
			leftover = numeric_minus(leftover, int64_to_numeric(1));
		}
	}
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		shares[i] = from_units(members[i].units, minor_unit, scale);
	}
}

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

/* ---------------------------------------------------------------------
 * wwva.split(member_id, weight, lower, upper, pool, scale): the split as
 * an aggregate over member rows.  Members are ordered by id (byte order,
 * whatever the collation) before splitting, so ties go to the smaller id
 * and the result does not depend on the order rows arrive in.
 * ---------------------------------------------------------------------
 */
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
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.split_transition");
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
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.split_combine");
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

	(void) wwva_aggregate_context(fcinfo, "wwva.split_serialize");
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
			 errmsg("wwva.split_deserialize: malformed aggregate state (%d bytes)", len),
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
	MemoryContext aggcontext = wwva_aggregate_context(fcinfo, "wwva.split_deserialize");
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

	(void) wwva_aggregate_context(fcinfo, "wwva.split_final");
	state = PG_ARGISNULL(0) ? NULL : (SplitState *) PG_GETARG_POINTER(0);
	composite_array_begin(&builder, fcinfo, 2, "wwva.split_final");
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
