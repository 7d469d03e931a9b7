/*
 * libFuzzer harness for wwva's pure C core, built outside the server with
 * AddressSanitizer and UndefinedBehaviorSanitizer (test/fuzz/run.sh).
 *
 * The first input byte picks a target; the rest is its input:
 *   0  user_entries_sort / _fold / _merge against a simple reference:
 *      the sorted output is the input in key order, folding and merging
 *      keep every key once with transactions summed (saturating) and
 *      flags or-ed;
 *   1  numeric_digits_decode on arbitrary bytes: whatever it accepts must
 *      round-trip through numeric_digits_text and a reference decoder
 *      written digit by digit, and it must never read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numeric_digits.h"
#include "user_entries.h"

#define MAX_ENTRIES 4096

static void
fail(const char *what)
{
	fprintf(stderr, "fuzz_core: %s\n", what);
	abort();
}

static int
compare_keys(const void *a, const void *b)
{
	uint64_t	x = ((const UserEntry *) a)->key;
	uint64_t	y = ((const UserEntry *) b)->key;

	return (x > y) - (x < y);
}

/*
 * The reference fold: libc's qsort, then equal neighbours summed in 64
 * bits (saturating at the end) -- obviously right, and O(n log n), so the
 * harness stays within the per-input time budget at the most entries.
 */
static uint32_t
reference_fold(const UserEntry *in, uint32_t n, UserEntry *out)
{
	uint32_t	kept = 0;

	memcpy(out, in, sizeof(UserEntry) * n);
	qsort(out, n, sizeof(UserEntry), compare_keys);
	for (uint32_t i = 0; i < n; i++)
	{
		if (kept > 0 && out[kept - 1].key == out[i].key)
		{
			uint64_t	sum = (uint64_t) out[kept - 1].transactions + out[i].transactions;

			out[kept - 1].transactions = sum > UINT32_MAX ? UINT32_MAX : (uint32_t) sum;
			out[kept - 1].flags |= out[i].flags;
		}
		else
			out[kept++] = out[i];
	}
	return kept;
}

static void
same_entries(const UserEntry *a, const UserEntry *b, uint32_t n, const char *what)
{
	for (uint32_t i = 0; i < n; i++)
		if (a[i].key != b[i].key || a[i].transactions != b[i].transactions || a[i].flags != b[i].flags)
			fail(what);
}

static uint32_t
entries_from(const uint8_t *data, size_t size, UserEntry *out, uint32_t max)
{
	uint32_t	n = 0;

	/* 5 bytes per entry: a small key space so keys repeat, a count, flags */
	while (size >= 5 && n < max)
	{
		uint32_t	k;

		memcpy(&k, data, 4);
		out[n].key = (data[4] & 0x80) ? ((uint64_t) k << 32 | k) : (k & 0xFF);
		out[n].transactions = (data[4] & 0x40) ? UINT32_MAX - (data[4] & 0x3) : (data[4] & 0x3);
		out[n].flags = data[4] & USER_FLAGS;
		n++;
		data += 5;
		size -= 5;
	}
	return n;
}

static void
fuzz_entries(const uint8_t *data, size_t size)
{
	static UserEntry a[MAX_ENTRIES],
				b[MAX_ENTRIES],
				scratch[MAX_ENTRIES],
				ref_a[MAX_ENTRIES],
				ref_b[MAX_ENTRIES],
				merged[2 * MAX_ENTRIES],
				ref_merged[2 * MAX_ENTRIES],
				both[2 * MAX_ENTRIES];
	size_t		half = size / 2;
	uint32_t	na = entries_from(data, half, a, MAX_ENTRIES);
	uint32_t	nb = entries_from(data + half, size - half, b, MAX_ENTRIES);
	uint32_t	ref_na,
				ref_nb,
				n;

	ref_na = reference_fold(a, na, ref_a);
	ref_nb = reference_fold(b, nb, ref_b);

	user_entries_sort(a, na, scratch);
	for (uint32_t i = 1; i < na; i++)
		if (a[i - 1].key > a[i].key)
			fail("sort: out of order");
	na = user_entries_fold(a, na);
	if (na != ref_na)
		fail("fold: wrong count");
	same_entries(a, ref_a, na, "fold: wrong entries");

	user_entries_sort(b, nb, scratch);
	nb = user_entries_fold(b, nb);
	if (nb != ref_nb)
		fail("fold: wrong count (second half)");

	n = user_entries_merge(a, na, b, nb, merged);
	memcpy(both, ref_a, sizeof(UserEntry) * ref_na);
	memcpy(both + ref_na, ref_b, sizeof(UserEntry) * ref_nb);
	if (n != reference_fold(both, ref_na + ref_nb, ref_merged))
		fail("merge: wrong count");
	same_entries(merged, ref_merged, n, "merge: wrong entries");
}

#ifdef NUMERIC_DIGITS_INT128

/*
 * The reference: the decimal text of the stored digits, written out digit
 * by digit with no integer arithmetic beyond one base-10000 digit.
 */
static int
reference_text(const uint8_t *data, size_t len, int scale, char *out)
{
	uint16_t	header;
	int			weight,
				ndigits;
	const uint8_t *digits;
	char		plain[4096];		/* digits with the point implied at position point */
	int			n = 0,
				point;
	int			negative;

	memcpy(&header, data, 2);
	if (header & 0x8000)
	{
		negative = (header & 0x2000) != 0;
		weight = header & 0x3F;
		if (header & 0x40)
			weight |= ~0x3F;
		digits = data + 2;
	}
	else
	{
		int16_t		w;

		memcpy(&w, data + 2, 2);
		weight = w;
		negative = (header & 0xC000) == 0x4000;
		digits = data + 4;
	}
	ndigits = (int) ((data + len - digits) / 2);
	if (ndigits > 200 || weight > 200 || weight < -200)
		return 0;
	/* lay out base-10000 digits from 10000^weight down */
	point = 4 * (weight + 1);
	if (point < 0)
	{
		for (int i = 0; i < -point; i++)
			plain[n++] = '0';
		point = 0;
	}
	for (int i = 0; i < ndigits; i++)
	{
		int16_t		d;

		memcpy(&d, digits + 2 * i, 2);
		if (d < 0 || d > 9999)
			return 0;
		n += snprintf(plain + n, 5, "%04d", d);
	}
	while (n < point)
		plain[n++] = '0';
	/* out: sign, integer digits without leading zeros, scale fraction digits */
	{
		char	   *o = out;
		int			i = 0;
		int			all_zero = 1;

		for (int k = 0; k < n; k++)
			if (plain[k] != '0' && (k < point || k - point < scale))
				all_zero = 0;
		for (int k = point + scale; k < n; k++)
			if (plain[k] != '0')
				return 0;		/* digits beyond the scale: not a stored form */
		if (negative && !all_zero)
			*o++ = '-';
		while (i < point - 1 && plain[i] == '0')
			i++;
		if (point == 0)
			*o++ = '0';
		for (; i < point; i++)
			*o++ = plain[i];
		if (scale > 0)
		{
			*o++ = '.';
			for (int k = 0; k < scale; k++)
				*o++ = (point + k < n) ? plain[point + k] : '0';
		}
		*o = '\0';
	}
	return 1;
}

static void
fuzz_numeric(const uint8_t *data, size_t size)
{
	__int128	value;
	int			scale;
	char		text[3 * MAX_INT128_DIGITS + 16];
	char		reference[8192];
	uint8_t    *copy;

	/* an exact-size copy, so reading past the end is caught */
	copy = malloc(size ? size : 1);
	memcpy(copy, data, size);
	if (numeric_digits_decode((const char *) copy, size, &value, &scale) == DECODED)
	{
		if (scale < 0 || scale > MAX_INT128_DIGITS)
			fail("decode: scale out of range");
		numeric_digits_text(value, scale, text);
		if (reference_text(copy, size, scale, reference) && strcmp(text, reference) != 0)
		{
			fprintf(stderr, "decoded %s, reference %s\n", text, reference);
			fail("decode: value differs from the digits");
		}
	}
	free(copy);
}

#endif

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 2)
	{
		case 0:
			fuzz_entries(data + 1, size - 1);
			break;
		case 1:
#ifdef NUMERIC_DIGITS_INT128
			fuzz_numeric(data + 1, size - 1);
#endif
			break;
	}
	return 0;
}
