/*  hl_share: how the buckets are dealt among live hotlined instances.
 *
 *  Every instance sees the same registry of live instances (sorted by
 *  name, hl_lease) and works out the same deal from it: the instance of
 *  rank R among LIVE holds a run of buckets, the runs in rank order, and
 *  their sizes differ by at most one, so they add up to all the buckets
 *  and nobody waits for a bucket another instance is owed. Pure arithmetic,
 *  no state: the lease class applies it.
 */
#ifndef HL_SHARE_H_INCLUDED
#define HL_SHARE_H_INCLUDED

#include <stddef.h>

//  How many of N buckets the instance of RANK (0-based) among LIVE holds.
int hl_share_count (int n, int live, int rank);

//  The first bucket of its run (where it starts looking for free buckets).
int hl_share_first (int n, int live, int rank);

//  The rank of ME among the LIVE names (sorted), or -1 if it is not there.
int hl_share_rank (const char *const *names, size_t live, const char *me);

#endif
