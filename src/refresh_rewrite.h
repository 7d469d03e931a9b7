/*-------------------------------------------------------------------------
 * refresh_rewrite.h
 *	  wwva.refresh() without traced changes (refresh_rewrite.c).
 *-------------------------------------------------------------------------
 */
#ifndef REFRESH_REWRITE_H
#define REFRESH_REWRITE_H

#include "refresh_steps.h"

extern void rewrite_from_statement(Refresh *refresh, int32 batch_size);

#endif							/* REFRESH_REWRITE_H */
