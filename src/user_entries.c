/*-------------------------------------------------------------------------
 * user_entries.c
 *	  Sorting, folding and merging sorted arrays of users (see the header).
 *-------------------------------------------------------------------------
 */
#include "user_entries.h"

#include <stdbool.h>
#include <string.h>

static inline void
entry_absorb(UserEntry *into, const UserEntry *from)
{
	uint32_t	sum = into->transactions + from->transactions;

	into->transactions = sum < into->transactions ? UINT32_MAX : sum;
	into->flags |= from->flags;
}

/*
 * Least significant byte first: eight stable counting passes through
 * scratch, skipping the bytes all keys share.
 */
void
user_entries_sort(UserEntry *entries, uint32_t n, UserEntry *scratch)
{
	UserEntry  *from = entries,
			   *to = scratch;

	for (int shift = 0; shift < 64; shift += 8)
	{
		uint32_t	offsets[256] = {0};
		uint32_t	position = 0;
		bool		one_bucket = false;

		for (uint32_t i = 0; i < n; i++)
			offsets[(from[i].key >> shift) & 0xFF]++;
		for (int b = 0; b < 256; b++)
		{
			uint32_t	in_bucket = offsets[b];

			if (in_bucket == n)
				one_bucket = true;
			offsets[b] = position;
			position += in_bucket;
		}
		if (one_bucket)
			continue;
		for (uint32_t i = 0; i < n; i++)
			to[offsets[(from[i].key >> shift) & 0xFF]++] = from[i];
		from = to;
		to = (to == scratch) ? entries : scratch;
	}
	if (from != entries && n > 0)
		memcpy(entries, from, sizeof(UserEntry) * n);
}

uint32_t
user_entries_fold(UserEntry *entries, uint32_t n)
{
	uint32_t	kept = 0;

	for (uint32_t i = 0; i < n; i++)
	{
		if (kept > 0 && entries[kept - 1].key == entries[i].key)
			entry_absorb(&entries[kept - 1], &entries[i]);
		else
			entries[kept++] = entries[i];
	}
	return kept;
}

uint32_t
user_entries_merge(const UserEntry *a, uint32_t na, const UserEntry *b, uint32_t nb, UserEntry *out)
{
	uint32_t	i = 0,
				j = 0,
				n = 0;

	while (i < na && j < nb)
	{
		if (a[i].key < b[j].key)
			out[n++] = a[i++];
		else if (b[j].key < a[i].key)
			out[n++] = b[j++];
		else
		{
			out[n] = a[i++];
			entry_absorb(&out[n++], &b[j++]);
		}
	}
	while (i < na)
		out[n++] = a[i++];
	while (j < nb)
		out[n++] = b[j++];
	return n;
}
