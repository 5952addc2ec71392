/*  Unit test of hl_callerix: members sort by caller then creation time,
 *  a range names exactly one caller's window, groups spread callers. */
#include "hl_callerix.h"
#include "hl_lifecycle_table.h"
#include "hl_rslot.h"
#include "hl_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_hashed = "h0123456789abcdef0123456789abcdef";

static void
test_member (void)
{
    char m[HL_CALLERIX_MEMBER_MAX];
    HL_CHECK (hl_callerix_member (m, sizeof m, "13800138000", 1796424465636ULL,
                                  "YJ202612043700042") > 0);
    HL_CHECK (strcmp (m, "13800138000|1796424465636|YJ202612043700042") == 0);
    //  A hashed caller keeps 'h' and 16 digits: short enough for a listpack.
    int n = hl_callerix_member (m, sizeof m, s_hashed, 42, "YJ202612043700042");
    HL_CHECK (n > 0 && n <= 64);
    HL_CHECK (strcmp (m, "h0123456789abcdef|0000000000042|YJ202612043700042") == 0);
    size_t len;
    const char *t = hl_callerix_ticket (m, (size_t) n, &len);
    HL_CHECK (t && len == 17 && memcmp (t, "YJ202612043700042", 17) == 0);
    HL_CHECK (hl_callerix_ticket ("YJ202612043700042", 17, &len) == NULL);
    char caller[HL_CALLERIX_MEMBER_MAX];
    HL_CHECK (hl_callerix_caller (caller, sizeof caller, s_hashed) == 17);
    HL_CHECK (strncmp (m, caller, 17) == 0 && m[17] == '|');
    HL_CHECK (hl_callerix_caller (caller, sizeof caller, "13|8") == -1);
    HL_CHECK (hl_callerix_ticket ("x|0000000000042|", 16, &len) == NULL);
    //  Bad input: no caller, a separator inside, no room.
    HL_CHECK (hl_callerix_member (m, sizeof m, "", 1, "T") == -1);
    HL_CHECK (hl_callerix_member (m, sizeof m, "13|8", 1, "T") == -1);
    HL_CHECK (hl_callerix_member (m, sizeof m, "138", 1, "T|1") == -1);
    HL_CHECK (hl_callerix_member (m, 20, "138", 1, "YJ202612043700042") == -1);
}

static void
test_range (void)
{
    char max[HL_CALLERIX_MEMBER_MAX], min[HL_CALLERIX_MEMBER_MAX], m[HL_CALLERIX_MEMBER_MAX];
    HL_CHECK (hl_callerix_range (max, min, sizeof max, "138", 100, 200) == 0);
    HL_CHECK (strcmp (max, "(138|0000000000201") == 0);
    HL_CHECK (strcmp (min, "[138|0000000000100") == 0);
    //  Members of the window sort inside, others (and other callers) out.
    hl_callerix_member (m, sizeof m, "138", 200, "T");
    HL_CHECK (strcmp (m, min + 1) > 0 && strcmp (m, max + 1) < 0);
    hl_callerix_member (m, sizeof m, "138", 201, "T");
    HL_CHECK (strcmp (m, max + 1) > 0);
    hl_callerix_member (m, sizeof m, "1381", 150, "T");      //  a longer caller: below
    HL_CHECK (strcmp (m, min + 1) < 0);
    hl_callerix_member (m, sizeof m, "13", 150, "T");        //  a shorter one: above
    HL_CHECK (strcmp (m, max + 1) > 0);
    HL_CHECK (hl_callerix_range (max, min, sizeof max, "138", 0, UINT64_MAX) == 0);
    HL_CHECK (strcmp (max, "(138|9999999999999") == 0);
    HL_CHECK (hl_callerix_range (max, min, sizeof max, "138", 2, 1) == -1);
    HL_CHECK (hl_callerix_range (max, min, sizeof max, "", 1, 2) == -1);
}

static void
test_groups (void)
{
    char key[HL_CALLERIX_KEY_MAX], again[HL_CALLERIX_KEY_MAX], phone[16];
    static int seen[HL_CALLERIX_GROUPS];
    int slot = -1;
    for (int i = 0; i < 64 * HL_CALLERIX_GROUPS; i++) {
        snprintf (phone, sizeof phone, "139%08d", i);
        HL_CHECK (hl_callerix_key (key, sizeof key, phone) > 0);
        HL_CHECK (hl_callerix_key (again, sizeof again, phone) > 0 && strcmp (key, again) == 0);
        HL_CHECK (strncmp (key, HL_INDEX_PREFIX HL_CALLERIX_KIND ":",
                           strlen (HL_INDEX_PREFIX HL_CALLERIX_KIND ":")) == 0);
        seen[atoi (key + strlen (HL_INDEX_PREFIX HL_CALLERIX_KIND ":"))]++;
        //  Every group is under the index tag: one slot.
        int s = hl_rslot_keyslot (key, strlen (key));
        HL_CHECK (slot < 0 || s == slot);
        slot = s;
    }
    for (int g = 0; g < HL_CALLERIX_GROUPS; g++)   //  64 expected in each
        HL_CHECK (seen[g] > 24 && seen[g] < 110);
    HL_CHECK (hl_callerix_key (key, 8, "138") == -1 && key[0] == 0);
}

static const hl_test_case_t s_cases[] = {
    { "member", test_member }, { "range", test_range }, { "groups", test_groups },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
