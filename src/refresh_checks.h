/*-------------------------------------------------------------------------
 * refresh_checks.h
 *	  wwva.refresh()'s checks before its snapshot (refresh_checks.c).
 *-------------------------------------------------------------------------
 */
#ifndef REFRESH_CHECKS_H
#define REFRESH_CHECKS_H

#include "postgres.h"

extern void refresh_preconditions(void);
extern bool untraced_partitions(void);
extern bool citus_tables(void);

#endif							/* REFRESH_CHECKS_H */
