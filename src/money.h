/*-------------------------------------------------------------------------
 * money.h
 *	  Exact numeric helpers of money.c, shared by the functions and
 *	  aggregates.
 *-------------------------------------------------------------------------
 */
#ifndef MONEY_H
#define MONEY_H

#include "postgres.h"
#include "utils/numeric.h"

extern bool numeric_is_finite(Numeric num);
extern Numeric numeric_zero(void);
extern Numeric numeric_plus(Numeric a, Numeric b);
extern Numeric numeric_minus(Numeric a, Numeric b);
extern Numeric numeric_times(Numeric a, Numeric b);
extern int	numeric_compare(Numeric a, Numeric b);
extern Numeric numeric_exact_quotient(Numeric dividend, Numeric divisor);
extern char *numeric_to_text(Numeric num);
extern Numeric numeric_from_text(const char *text);

#endif							/* MONEY_H */
