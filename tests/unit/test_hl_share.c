/*  Unit test of hl_share: the buckets are dealt whole among the live
 *  instances, in runs that do not overlap and differ by at most one. */
#include "hl_share.h"
#include "hl_test.h"

static void
test_alone (void)
{
    HL_CHECK (hl_share_count (64, 1, 0) == 64);
    HL_CHECK (hl_share_first (64, 1, 0) == 0);
}

static void
test_split (void)
{
    HL_CHECK (hl_share_count (64, 2, 0) == 32 && hl_share_count (64, 2, 1) == 32);
    HL_CHECK (hl_share_first (64, 2, 0) == 0 && hl_share_first (64, 2, 1) == 32);
    //  64 = 22 + 21 + 21: the first rank takes the odd bucket.
    HL_CHECK (hl_share_count (64, 3, 0) == 22 && hl_share_count (64, 3, 2) == 21);
    HL_CHECK (hl_share_first (64, 3, 1) == 22 && hl_share_first (64, 3, 2) == 43);
    //  More instances than buckets: some hold none.
    HL_CHECK (hl_share_count (4, 6, 3) == 1 && hl_share_count (4, 6, 4) == 0);
}

//  For every number of instances, the runs cover each bucket exactly once.
static void
test_whole (void)
{
    for (int live = 1; live <= 70; live++) {
        int owner[64] = { 0 }, total = 0, least = 64, most = 0;
        for (int r = 0; r < live; r++) {
            int c = hl_share_count (64, live, r), f = hl_share_first (64, live, r);
            for (int i = 0; i < c; i++)
                owner[(f + i) % 64]++;
            total += c;
            least = c < least ? c : least;
            most = c > most ? c : most;
        }
        int once = 1;
        for (int b = 0; b < 64; b++)
            once &= owner[b] == 1;
        HL_CHECK (total == 64 && once && most - least <= 1);
    }
}

static void
test_rank (void)
{
    const char *live[] = { "hotlined-a/11@h", "hotlined-b/12@h", "hotlined-c/9@h" };
    HL_CHECK (hl_share_rank (live, 3, "hotlined-b/12@h") == 1);
    HL_CHECK (hl_share_rank (live, 3, "hotlined-d/1@h") == -1);
    HL_CHECK (hl_share_rank (live, 0, "hotlined-a/11@h") == -1);
}

static const hl_test_case_t s_cases[] = {
    { "alone", test_alone }, { "split", test_split }, { "whole", test_whole },
    { "rank", test_rank }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
