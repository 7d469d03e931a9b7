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

#include "utils/builtins.h"

/* numeric's on-disk header (src/backend/utils/adt/numeric.c) */
#define NUMERIC_SIGN_MASK		0xC000
#define NUMERIC_NEG				0x4000
#define NUMERIC_SHORT			0x8000
#define NUMERIC_SPECIAL			0xC000
#define NUMERIC_DSCALE_MASK		0x3FFF
#define NUMERIC_SHORT_SIGN_MASK 0x2000
#define NUMERIC_SHORT_DSCALE_MASK 0x1F80
#define NUMERIC_SHORT_DSCALE_SHIFT 7
#define NUMERIC_SHORT_WEIGHT_SIGN_MASK 0x0040
#define NUMERIC_SHORT_WEIGHT_MASK 0x003F
#define NUMERIC_DIGIT_BASE		10000

#ifdef HAVE_INT128

#define MAX_INT128_DIGITS 38	/* 10^38 < 2^127 */

static int128 powers_of_ten[MAX_INT128_DIGITS + 1];

static int128
power_of_ten(int exponent)
{
	if (powers_of_ten[0] == 0)
	{
		powers_of_ten[0] = 1;
		for (int i = 1; i <= MAX_INT128_DIGITS; i++)
			powers_of_ten[i] = powers_of_ten[i - 1] * 10;
	}
	return powers_of_ten[exponent];
}

/* value * 10^exponent, or false if that overflows */
static bool
scale_up(int128 value, int exponent, int128 *result)
{
	if (exponent > MAX_INT128_DIGITS)
		return value == 0 ? (*result = 0, true) : false;
	return !__builtin_mul_overflow(value, power_of_ten(exponent), result);
}

typedef enum Decoded
{
	DECODED,					/* value and scale are set */
	DECODED_SPECIAL,			/* NaN or an infinity */
	DECODED_TOO_LARGE			/* finite, but not as a 128-bit integer */
} Decoded;

/*
 * The numeric stored in bytes [data, data + len) as value / 10^scale with
 * scale its display scale.
 */
static Decoded
decode_numeric(const char *data, Size len, int128 *value, int *scale)
{
	uint16		header;
	int			weight,
				ndigits,
				dscale,
				fraction_digits;
	bool		negative;
	const char *digits;
	int128		acc = 0;

	if (len < sizeof(uint16))
		return DECODED_TOO_LARGE;	/* not a numeric we know; numeric code decides */
	memcpy(&header, data, sizeof(uint16));
	if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL)
		return DECODED_SPECIAL;
	if (header & NUMERIC_SHORT)
	{
		negative = (header & NUMERIC_SHORT_SIGN_MASK) != 0;
		dscale = (header & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
		weight = (header & NUMERIC_SHORT_WEIGHT_MASK);
		if (header & NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~NUMERIC_SHORT_WEIGHT_MASK;
		digits = data + sizeof(uint16);
	}
	else
	{
		int16		long_weight;

		if (len < 2 * sizeof(uint16))
			return DECODED_TOO_LARGE;
		negative = (header & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
		dscale = header & NUMERIC_DSCALE_MASK;
		memcpy(&long_weight, data + sizeof(uint16), sizeof(int16));
		weight = long_weight;
		digits = data + 2 * sizeof(uint16);
	}
	ndigits = (int) ((data + len - digits) / sizeof(int16));
	if (dscale > MAX_INT128_DIGITS || ndigits > MAX_INT128_DIGITS / 4)
		return DECODED_TOO_LARGE;

	for (int i = 0; i < ndigits; i++)
	{
		int16		digit;

		memcpy(&digit, digits + i * sizeof(int16), sizeof(int16));
		acc = acc * NUMERIC_DIGIT_BASE + digit;		/* <= 9 digits: no overflow */
	}
	/* acc is the value times 10^fraction_digits */
	if (ndigits == 0)
		fraction_digits = dscale;
	else
	{
		int			trailing_groups = weight - (ndigits - 1);

		fraction_digits = trailing_groups >= 0 ? 0 : -4 * trailing_groups;
		if (trailing_groups > 0 && !scale_up(acc, 4 * trailing_groups, &acc))
			return DECODED_TOO_LARGE;
	}
	if (fraction_digits > dscale)
	{
		int128		divisor = power_of_ten(fraction_digits - dscale);

		if (acc % divisor != 0)
			return DECODED_TOO_LARGE;	/* digits beyond dscale: leave to numeric */
		acc /= divisor;
	}
	else if (!scale_up(acc, dscale - fraction_digits, &acc))
		return DECODED_TOO_LARGE;

	*value = negative ? -acc : acc;
	*scale = dscale;
	return DECODED;
}

/* value / 10^scale as a numeric with display scale scale */
static Numeric
int128_to_numeric(int128 value, int scale)
{
	char		digits[2 * MAX_INT128_DIGITS + 8];
	char		text[2 * MAX_INT128_DIGITS + 16];
	uint128		magnitude = value < 0 ? -(uint128) value : (uint128) value;
	int			n = 0;
	char	   *out = text;

	do
	{
		digits[n++] = '0' + (int) (magnitude % 10);
		magnitude /= 10;
	} while (magnitude != 0);
	while (n <= scale)
		digits[n++] = '0';
	if (value < 0)
		*out++ = '-';
	while (n > 0)
	{
		*out++ = digits[--n];
		if (n == scale && n > 0)
			*out++ = '.';
	}
	*out = '\0';
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
fast_add(ExactSum *sum, int128 value, int scale, MemoryContext context)
{
	int128		total;

	if (sum->fast_scale < 0)
		sum->fast_scale = 0;
	if (scale > sum->fast_scale)
	{
		if (!scale_up(sum->fast, scale - sum->fast_scale, &total))
		{
			flush_fast(sum, context);
			total = 0;
		}
		sum->fast = total;
		sum->fast_scale = scale;
	}
	else if (scale < sum->fast_scale &&
			 !scale_up(value, sum->fast_scale - scale, &value))
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
		int128		decoded;
		int			scale;

		switch (decode_numeric(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw), &decoded, &scale))
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
