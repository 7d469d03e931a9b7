/*-------------------------------------------------------------------------
 * numeric_digits.c
 *	  numeric's stored form as a scaled 128-bit integer and back to text
 *	  (see the header).
 *
 * The stored form is the one PostgreSQL keeps stable across major versions
 * (pg_upgrade carries tables over unchanged): a 16-bit header, an optional
 * 16-bit weight, then base-10000 digits, most significant first.
 *-------------------------------------------------------------------------
 */
#include "numeric_digits.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef NUMERIC_DIGITS_INT128

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

static __int128
power_of_ten(int exponent)
{
	__int128	result = 1;

	while (exponent-- > 0)
		result *= 10;
	return result;
}

int
numeric_digits_scale_up(__int128 value, int exponent, __int128 *result)
{
	if (exponent > MAX_INT128_DIGITS)
	{
		*result = 0;
		return value == 0;
	}
	return !__builtin_mul_overflow(value, power_of_ten(exponent), result);
}

/*
 * The numeric stored in bytes [data, data + len) as value / 10^scale with
 * scale its display scale.
 */
Decoded
numeric_digits_decode(const char *data, size_t len, __int128 *value, int *scale)
{
	uint16_t	header;
	int			weight,
				ndigits,
				dscale,
				fraction_digits;
	bool		negative;
	const char *digits;
	__int128	acc = 0;

	if (len < sizeof(uint16_t))
		return DECODED_TOO_LARGE;	/* not a numeric we know; numeric code decides */
	memcpy(&header, data, sizeof(uint16_t));
	if ((header & NUMERIC_SIGN_MASK) == NUMERIC_SPECIAL)
		return DECODED_SPECIAL;
	if (header & NUMERIC_SHORT)
	{
		negative = (header & NUMERIC_SHORT_SIGN_MASK) != 0;
		dscale = (header & NUMERIC_SHORT_DSCALE_MASK) >> NUMERIC_SHORT_DSCALE_SHIFT;
		weight = (header & NUMERIC_SHORT_WEIGHT_MASK);
		if (header & NUMERIC_SHORT_WEIGHT_SIGN_MASK)
			weight |= ~NUMERIC_SHORT_WEIGHT_MASK;
		digits = data + sizeof(uint16_t);
	}
	else
	{
		int16_t		long_weight;

		if (len < 2 * sizeof(uint16_t))
			return DECODED_TOO_LARGE;
		negative = (header & NUMERIC_SIGN_MASK) == NUMERIC_NEG;
		dscale = header & NUMERIC_DSCALE_MASK;
		memcpy(&long_weight, data + sizeof(uint16_t), sizeof(int16_t));
		weight = long_weight;
		digits = data + 2 * sizeof(uint16_t);
	}
	ndigits = (int) ((data + len - digits) / sizeof(int16_t));
	if (dscale > MAX_INT128_DIGITS || ndigits > MAX_INT128_DIGITS / 4)
		return DECODED_TOO_LARGE;

	for (int i = 0; i < ndigits; i++)
	{
		int16_t		digit;

		memcpy(&digit, digits + i * sizeof(int16_t), sizeof(int16_t));
		acc = acc * NUMERIC_DIGIT_BASE + digit;		/* <= 9 digits: no overflow */
	}
	/* acc is the value times 10^fraction_digits */
	if (ndigits == 0)
		fraction_digits = dscale;
	else
	{
		int			trailing_groups = weight - (ndigits - 1);

		fraction_digits = trailing_groups >= 0 ? 0 : -4 * trailing_groups;
		if (trailing_groups > 0 && !numeric_digits_scale_up(acc, 4 * trailing_groups, &acc))
			return DECODED_TOO_LARGE;
	}
	if (fraction_digits - dscale > MAX_INT128_DIGITS)
		return DECODED_TOO_LARGE;	/* not a form numeric stores: leave it to numeric */
	if (fraction_digits > dscale)
	{
		__int128	divisor = power_of_ten(fraction_digits - dscale);

		if (acc % divisor != 0)
			return DECODED_TOO_LARGE;	/* digits beyond dscale: leave to numeric */
		acc /= divisor;
	}
	else if (!numeric_digits_scale_up(acc, dscale - fraction_digits, &acc))
		return DECODED_TOO_LARGE;

	*value = negative ? -acc : acc;
	*scale = dscale;
	return DECODED;
}

void
numeric_digits_text(__int128 value, int scale, char *out)
{
	char		digits[3 * MAX_INT128_DIGITS + 8];
	unsigned __int128 magnitude = value < 0 ? -(unsigned __int128) value : (unsigned __int128) value;
	int			n = 0;

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
}

#endif							/* NUMERIC_DIGITS_INT128 */
