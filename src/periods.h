/*-------------------------------------------------------------------------
 * periods.h
 *	  Periods as sorted arrays of half-open date ranges [start, end): their
 *	  check, and which of them holds a date.
 *-------------------------------------------------------------------------
 */
#ifndef PERIODS_H
#define PERIODS_H

#include "postgres.h"
#include "utils/date.h"

extern void periods_check(const DateADT *starts, const DateADT *ends, int count,
						  const char *function_name);
extern int32 period_search(const DateADT *starts, const DateADT *ends, int count, DateADT day);

#endif							/* PERIODS_H */
