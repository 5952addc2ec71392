/*  hl_share: dealing buckets among instances. See hl_share.h. */
#include "hl_share.h"

#include <assert.h>
#include <string.h>

int
hl_share_count (int n, int live, int rank)
{
    assert (n > 0 && live > 0 && rank >= 0 && rank < live);
    return n / live + (rank < n % live);
}

//  The runs of lower ranks come first: RANK full shares plus one bucket
//  for each lower rank that got the extra one.
int
hl_share_first (int n, int live, int rank)
{
    assert (n > 0 && live > 0 && rank >= 0 && rank < live);
    int extra = n % live;
    return rank * (n / live) + (rank < extra ? rank : extra);
}

int
hl_share_rank (const char *const *names, size_t live, const char *me)
{
    for (size_t i = 0; i < live; i++)
        if (strcmp (names[i], me) == 0)
            return (int) i;
    return -1;
}
