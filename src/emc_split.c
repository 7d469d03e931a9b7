/*-------------------------------------------------------------------------
 * emc_split.c
 *	  The exact split of a share pool among members (see emc_split.h),
 *	  for wwva.allocate and the wwva.split aggregate.
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
#include "emc_split.h"

#include <ctype.h>
#include <math.h>

#include "miscadmin.h"
#include "utils/builtins.h"

#define MAX_SCALE 1000

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

bool
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

void
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
 * Members and water-filling
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

/* The pool and scale of a split: an error unless they can be split. */
static void
check_terms(Numeric pool, int scale, const char *fn)
{
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
}

/*
 * Member i from its weight and limits (NULL: 0 and unbounded), checked,
 * its limits in whole units of unit_factor.
 */
static void
member_init(SplitMember *m, int i, Numeric weight, Numeric lower, Numeric upper,
			Numeric unit_factor, int scale, MemberNamer describe, void *describe_context,
			const char *fn)
{
	m->position = i;
	m->weight = weight;
	require_finite_member_value(m->weight, fn, "weight", describe(describe_context, i));
	if (numeric_is_negative(m->weight))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s: weight of %s is %s, which is negative", fn,
						describe(describe_context, i), numeric_to_text(m->weight)),
				 errhint("Share weights are 0 or more.")));
	m->lower = numeric_zero();
	if (lower)
	{
		require_finite_member_value(lower, fn, "lower limit", describe(describe_context, i));
		if (numeric_is_negative(lower))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: lower limit of %s is %s, which is negative", fn,
							describe(describe_context, i), numeric_to_text(lower)),
					 errhint("Lower limits are 0 or more.")));
		/* inward to whole units: the share must have at most scale digits */
		m->lower = numeric_call1(numeric_ceil, numeric_times(lower, unit_factor));
	}
	m->upper = NULL;
	if (upper)
	{
		require_finite_member_value(upper, fn, "upper limit", describe(describe_context, i));
		m->upper = numeric_call1(numeric_floor, numeric_times(upper, unit_factor));
		if (numeric_compare(m->lower, m->upper) > 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: %s has lower limit %s above upper limit %s", fn,
							describe(describe_context, i),
							numeric_to_text(lower ? lower : numeric_zero()),
							numeric_to_text(upper)),
					 errhint("Each member's lower limit must not exceed its upper limit (and both round to %d digits).",
							 scale)));
	}
}

/*
 * Step 2 (see the file header): every member's whole units, the free
 * members[0..nfree) sharing remaining units by largest remainder.
 */
static void
largest_remainder(SplitMember *members, int n, SplitMember **free_members, int nfree,
				  Numeric remaining)
{
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
}

/*
 * Split pool among members; shares[i] receives member i's share with
 * exactly scale digits.  lower[i] NULL means 0, upper[i] NULL unbounded.
 * describe(i) names member i in error messages.
 */
void
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

	check_terms(pool, scale, fn);
	unit_factor = power_of_ten(scale);
	minor_unit = power_of_ten(-scale);
	pool_units = numeric_call1(numeric_floor, numeric_times(pool, unit_factor));
	lower_total = numeric_zero();
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		member_init(&members[i], i, weights[i], lower ? lower[i] : NULL, upper ? upper[i] : NULL,
					unit_factor, scale, describe, describe_context, fn);
		lower_total = numeric_plus(lower_total, members[i].lower);
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
	largest_remainder(members, n, free_members, nfree, remaining);
	for (int i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		shares[i] = from_units(members[i].units, minor_unit, scale);
	}
}
