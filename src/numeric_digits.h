/*-------------------------------------------------------------------------
 * numeric_digits.h
 *	  numeric's stored form read as a scaled 128-bit integer, and a scaled
 *	  128-bit integer written as numeric text: the pure core of exact_sum.c.
 *
 * Plain C with no PostgreSQL dependency, so test/fuzz can build it with a
 * fuzzer and sanitizers outside the server.
 *-------------------------------------------------------------------------
 */
#ifndef NUMERIC_DIGITS_H
#define NUMERIC_DIGITS_H

#include <stddef.h>

#if defined(__SIZEOF_INT128__)
#define NUMERIC_DIGITS_INT128 1

#define MAX_INT128_DIGITS 38	/* 10^38 < 2^127 */

typedef enum Decoded
{
	DECODED,					/* value and scale are set */
	DECODED_SPECIAL,			/* NaN or an infinity */
	DECODED_TOO_LARGE			/* finite, but not as a 128-bit integer */
} Decoded;

/*
 * The numeric whose stored bytes (after the varlena header) are
 * data[0..len) as value / 10^scale, scale its display scale.
 */
extern Decoded numeric_digits_decode(const char *data, size_t len, __int128 *value, int *scale);

/* value * 10^exponent into *result, or 0 if that overflows */
extern int	numeric_digits_scale_up(__int128 value, int exponent, __int128 *result);

/*
 * value / 10^scale as numeric text ("-12.340" for -12340 at scale 3) into
 * out, which needs room for scale + MAX_INT128_DIGITS + 4 bytes; scale
 * must be at most 2 * MAX_INT128_DIGITS.
 */
extern void numeric_digits_text(__int128 value, int scale, char *out);

#endif
#endif							/* NUMERIC_DIGITS_H */
