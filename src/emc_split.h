/*-------------------------------------------------------------------------
 * emc_split.h
 *	  The exact split of an EMC share pool among members (emc_split.c),
 *	  and the argument checks the EMC functions share with it.
 *-------------------------------------------------------------------------
 */
#ifndef EMC_SPLIT_H
#define EMC_SPLIT_H

#include "wwva.h"

#define MAX_MEMBERS 100000

/* Names member index in error messages, e.g. "member 3". */
typedef char *(*MemberNamer) (void *context, int index);

extern void split_pool(Numeric pool, int n, Numeric *weights, Numeric *lower, Numeric *upper,
					   int scale, Numeric *shares, MemberNamer describe, void *describe_context,
					   const char *fn);
extern bool numeric_is_negative(Numeric a);
extern void require_finite_argument(Numeric value, const char *function_name, const char *what,
									int position);

#endif							/* EMC_SPLIT_H */
