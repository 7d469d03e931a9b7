/*-------------------------------------------------------------------------
 * exact_sum.c
 *	  Running exact sums of numeric values, without an allocation per value.
 *
 * numeric_add allocates a result per call, and reading a short numeric
 * argument through PG_GETARG_NUMERIC copies it first.  Ledger amounts are
 * small, so a sum reads each amount's digits in place and adds it as a
 * scaled 128-bit integer.  Whatever does not fit (more than 38 digits, or a
 * total that would overflow) goes to an exact numeric part instead, so the
 * result is always exactly numeric's sum, with the largest display scale of
 * the inputs, as sum(numeric) gives.
 *
 * Reading the digits relies on numeric's on-disk format, which PostgreSQL
 * keeps stable across major versions (pg_upgrade carries tables over
 * unchanged): a 16-bit header, an optional 16-bit weight, then base-10000
 * digits, most significant first.
 *-------------------------------------------------------------------------
 */
#include "wwva.h"

#include "numeric_digits.h"
#include "utils/builtins.h"

#ifdef HAVE_INT128

/* value / 10^scale as a numeric with display scale scale */
static Numeric
int128_to_numeric(int128 value, int scale)
{
	char		text[2 * MAX_INT128_DIGITS + MAX_INT128_DIGITS + 8];

	numeric_digits_text(value, scale, text);
	return numeric_from_text(text);
}

#endif							/* HAVE_INT128 */

static void
slow_add(ExactSum *sum, Numeric addend, MemoryContext context)
{
	Numeric		total;
	MemoryContext old;

	total = sum->slow ? numeric_plus(sum->slow, addend) : addend;
	old = MemoryContextSwitchTo(context);
	total = DatumGetNumericCopy(NumericGetDatum(total));
	MemoryContextSwitchTo(old);
	if (sum->slow)
		pfree(sum->slow);
	sum->slow = total;
}

#ifdef HAVE_INT128

/* Moves the 128-bit part into the numeric part, keeping its scale. */
static void
flush_fast(ExactSum *sum, MemoryContext context)
{
	slow_add(sum, int128_to_numeric(sum->fast, sum->fast_scale), context);
	sum->fast = 0;
}

static void
fast_add(ExactSum *sum, int128 addend, int scale, MemoryContext context)
{
	/* naturally aligned locals: the core takes __int128 pointers */
	__int128	value = addend;
	__int128	total;

	if (sum->fast_scale < 0)
		sum->fast_scale = 0;
	if (scale > sum->fast_scale)
	{
		if (!numeric_digits_scale_up(sum->fast, scale - sum->fast_scale, &total))
		{
			flush_fast(sum, context);
			total = 0;
		}
		sum->fast = total;
		sum->fast_scale = scale;
	}
	else if (scale < sum->fast_scale &&
			 !numeric_digits_scale_up(value, sum->fast_scale - scale, &value))
	{
		slow_add(sum, int128_to_numeric(value, scale), context);
		return;
	}
	if (__builtin_add_overflow(sum->fast, value, &total))
	{
		flush_fast(sum, context);
		total = value;
	}
	sum->fast = total;
}

#endif							/* HAVE_INT128 */

void
exact_sum_init(ExactSum *sum)
{
	sum->slow = NULL;
#ifdef HAVE_INT128
	sum->fast = 0;
	sum->fast_scale = -1;
#endif
}

/*
 * Adds a numeric datum, reading it in place when it is stored inline.
 * Returns false, leaving the sum unchanged, for NaN and the infinities.
 */
bool
exact_sum_add_datum(ExactSum *sum, Datum value, MemoryContext context)
{
	struct varlena *raw = (struct varlena *) DatumGetPointer(value);
	Numeric		num;

#ifdef HAVE_INT128
	if (!VARATT_IS_EXTENDED(raw) || VARATT_IS_SHORT(raw))
	{
		__int128	decoded;
		int			scale;

		switch (numeric_digits_decode(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &decoded, &scale))
		{
			case DECODED:
				fast_add(sum, decoded, scale, context);
				return true;
			case DECODED_SPECIAL:
				return false;
			case DECODED_TOO_LARGE:
				break;
		}
	}
#endif
	num = DatumGetNumeric(PG_DETOAST_DATUM(value));
	if (!numeric_is_finite(num))
		return false;
	slow_add(sum, num, context);
	if ((Pointer) num != (Pointer) raw)
		pfree(num);
	return true;
}

void
exact_sum_add(ExactSum *sum, Numeric addend, MemoryContext context)
{
	if (!exact_sum_add_datum(sum, NumericGetDatum(addend), context))
		elog(ERROR, "exact_sum_add: non-finite addend");
}

void
exact_sum_merge(ExactSum *sum, const ExactSum *other, MemoryContext context)
{
#ifdef HAVE_INT128
	if (other->fast_scale >= 0)
		fast_add(sum, other->fast, other->fast_scale, context);
#endif
	if (other->slow)
		slow_add(sum, other->slow, context);
}

/* The exact total, newly allocated in the current memory context. */
Numeric
exact_sum_value(const ExactSum *sum)
{
	Numeric		total = sum->slow ? sum->slow : numeric_zero();

#ifdef HAVE_INT128
	if (sum->fast_scale >= 0)
		total = numeric_plus(total, int128_to_numeric(sum->fast, sum->fast_scale));
#endif
	return total;
}
