/*  Unit test of hl_bucket: ticket numbers name their bucket, request ids
 *  spread over the buckets, keys carry the bucket's hash tag. */
#include "hl_bucket.h"
#include "hl_rslot.h"
#include "hl_test.h"

#include <stdio.h>
#include <string.h>

static void
test_ticket (void)
{
    HL_CHECK (hl_bucket_of_ticket ("YJ202612043700042", 17) == 37);
    HL_CHECK (hl_bucket_of_ticket ("YJ2026120400000001", 18) == 0);     //  a longer serial
    HL_CHECK (hl_bucket_of_ticket ("2026120463123456", 16) == 63);      //  no prefix
    HL_CHECK (hl_bucket_of_ticket ("YJ20261204000042", 16) == 0);       //  layout 1: bucket 0
    HL_CHECK (hl_bucket_of_ticket ("YJ2026120400004", 15) == -1);
    HL_CHECK (hl_bucket_of_ticket ("YJ202612049900042", 17) == -1);     //  no bucket 99
    HL_CHECK (hl_bucket_of_ticket ("YJ2026120437000x2", 17) == -1);
    HL_CHECK (hl_bucket_of_ticket ("yj202612043700042", 17) == -1);
    HL_CHECK (hl_bucket_of_ticket ("", 0) == -1);
}

static void
test_request (void)
{
    int seen[HL_TICKET_BUCKETS] = { 0 };
    char rid[32];
    for (int i = 0; i < 64000; i++) {
        int n = snprintf (rid, sizeof rid, "req-%d", i);
        int b = hl_bucket_of_request ("phone", rid, (size_t) n);
        HL_CHECK (b >= 0 && b < HL_TICKET_BUCKETS);
        seen[b]++;
        HL_CHECK (hl_bucket_of_request ("phone", rid, (size_t) n) == b);
    }
    for (int b = 0; b < HL_TICKET_BUCKETS; b++)    //  1,000 expected in each
        HL_CHECK (seen[b] > 850 && seen[b] < 1150);
}

static void
test_keys (void)
{
    char key[HL_BUCKET_KEY_MAX], other[HL_BUCKET_KEY_MAX];
    HL_CHECK (hl_bucket_ticket_key (key, sizeof key, "YJ202612043700042", "t") > 0);
    HL_CHECK (strcmp (key, "hl:{37}:t:YJ202612043700042") == 0);
    HL_CHECK (hl_bucket_ticket_key (other, sizeof other, "YJ202612043700042", "h") > 0);
    HL_CHECK (hl_rslot_keyslot (key, strlen (key)) == hl_rslot_keyslot (other, strlen (other)));
    HL_CHECK (hl_bucket_key (other, sizeof other, 37, "idem", "web:abc", 7) > 0);
    HL_CHECK (strcmp (other, "hl:{37}:idem:web:abc") == 0);
    HL_CHECK (hl_rslot_keyslot (key, strlen (key)) == hl_rslot_keyslot (other, strlen (other)));
    HL_CHECK (hl_bucket_ticket_key (key, sizeof key, "nonsense", "t") > 0);
    HL_CHECK (strcmp (key, "hl:{00}:t:nonsense") == 0);
    HL_CHECK (hl_bucket_key (key, 12, 1, "t", "YJ202612043700042", 17) == -1);
    HL_CHECK (key[0] == 0);
}

static const hl_test_case_t s_cases[] = {
    { "ticket", test_ticket }, { "request", test_request }, { "keys", test_keys },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
