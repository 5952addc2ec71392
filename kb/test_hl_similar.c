/*  Tests of hl_similar: similar open tickets in an area and category
    within a window, the ticket itself left out, idempotent re-indexing,
    forgetting, batched commits, hotspots raised once per burst, destroy
    with searches in flight. */
#include "hl_similar.h"
#include "hl_xapian.h"

#include <assert.h>
#include <event2/event.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK(cond) \
    do { if (!(cond)) { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort (); } } while (0)

//  2025-06-01 09:00 China Standard Time, in ms.
#define T0 1748739600000LL
#define HOUR (3600 * 1000LL)
#define DAY (24 * HOUR)

static char s_root[512];
static char s_db[600];
static pthread_t s_loop_thread;
static hl_similar_t *s_bg_service;  //  for s_add_background

static int
s_rm (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove (path);
}

static void
s_setup (void)
{
    const char *base = getenv ("HL_TEST_TMPDIR");
    snprintf (s_root, sizeof s_root, "%s/similar-XXXXXX", base ? base : "/tmp");
    CHECK (mkdtemp (s_root));
    snprintf (s_db, sizeof s_db, "%s/tickets", s_root);
    s_loop_thread = pthread_self ();
}

static void
s_teardown (void)
{
    CHECK (nftw (s_root, s_rm, 16, FTW_DEPTH | FTW_PHYS) == 0);
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_on_tick (evutil_socket_t fd, short what, void *arg)
{
    (void) fd, (void) what, (void) arg;
}

//  Run the loop until *COUNTER reaches TARGET or TIMEOUT_MS passes.
static void
s_wait (struct event_base *base, const int *counter, int target, int timeout_ms)
{
    struct event *tick = event_new (base, -1, EV_PERSIST, s_on_tick, NULL);
    struct timeval tv = {0, 5000};
    event_add (tick, &tv);
    int64_t until = s_now_ms () + timeout_ms;
    while (*counter < target && s_now_ms () < until)
        event_base_loop (base, EVLOOP_ONCE);
    event_free (tick);
}

//  Hotspot events seen.
typedef struct {
    int events;
    int raised;
    char lead[64];
    char members[1024];             //  of the last event, space-separated
    char ticket[64];
    char area[64];
    char category[64];
} s_hotspots_t;

static void
s_on_hotspot (const hl_similar_hotspot_t *h, void *arg)
{
    s_hotspots_t *seen = (s_hotspots_t *) arg;
    CHECK (pthread_equal (pthread_self (), s_loop_thread));
    seen->events++;
    seen->raised += h->raised;
    snprintf (seen->lead, sizeof seen->lead, "%s", h->lead);
    snprintf (seen->ticket, sizeof seen->ticket, "%s", h->ticket);
    snprintf (seen->area, sizeof seen->area, "%s", h->area);
    snprintf (seen->category, sizeof seen->category, "%s", h->category);
    seen->members[0] = 0;
    for (size_t i = 0; i < h->tickets_size; i++) {
        strcat (seen->members, i ? " " : "");
        strcat (seen->members, h->tickets[i]);
    }
}

static void
s_on_error (const char *error, void *arg)
{
    (void) arg;
    fprintf (stderr, "similar: %s\n", error);
    CHECK (!"write error");
}

//  The answer to the last search.
typedef struct {
    int calls;
    int errors;
    char error[512];
    char tickets[1024];             //  space-separated, most similar first
    hl_kb_similar_hit_t first;      //  strings not kept
    char first_excerpt[512];
    char first_area[64];
    char first_category[64];
} s_found_t;

static void
s_on_found (const hl_kb_similar_t *results, const char *error, void *arg)
{
    s_found_t *found = (s_found_t *) arg;
    CHECK (pthread_equal (pthread_self (), s_loop_thread));
    found->calls++;
    found->tickets[0] = 0;
    if (error) {
        CHECK (!results);
        found->errors++;
        snprintf (found->error, sizeof found->error, "%s", error);
        return;
    }
    for (size_t i = 0; i < hl_kb_similar_size (results); i++) {
        const hl_kb_similar_hit_t *h = hl_kb_similar_hit (results, i);
        CHECK (h->score > 0 && h->score <= 1 && h->open);
        if (i > 0)
            CHECK (h->score <= hl_kb_similar_hit (results, i - 1)->score);
        strcat (found->tickets, i ? " " : "");
        strcat (found->tickets, h->ticket);
        if (i == 0) {
            found->first = *h;
            snprintf (found->first_excerpt, sizeof found->first_excerpt, "%s", h->excerpt);
            snprintf (found->first_area, sizeof found->first_area, "%s", h->area);
            snprintf (found->first_category, sizeof found->first_category, "%s", h->category);
        }
    }
}

static hl_similar_t *
s_service (struct event_base *base, s_hotspots_t *hotspots)
{
    char err[512];
    hl_similar_opts_t opts = {
        .path = s_db, .batch_ms = 50,
        .hotspot_fn = s_on_hotspot, .hotspot_arg = hotspots,
        .error_fn = s_on_error
    };
    hl_similar_t *service = hl_similar_new (base, &opts, err, sizeof err);
    if (!service)
        fprintf (stderr, "hl_similar_new: %s\n", err);
    CHECK (service);
    return service;
}

//  nftw callback: index one article's answer as a background ticket.
static int
s_add_background (const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) ftw;
    static int count;
    size_t len = strlen (path);
    if (flag != FTW_F || len < 3 || strcmp (path + len - 3, ".md"))
        return 0;
    FILE *f = fopen (path, "r");
    CHECK (f);
    char text[8192];
    size_t size = fread (text, 1, sizeof text - 1, f);
    fclose (f);
    text[size] = 0;
    const char *body = strstr (text, "\n---");
    body = body ? body + 4 : text;
    char ticket[32], area[32];
    snprintf (ticket, sizeof ticket, "BG%d", count);
    snprintf (area, sizeof area, "bg%d", count++);
    CHECK (hl_similar_index (s_bg_service, ticket, body, area, NULL, T0 - DAY) == 0);
    return 0;
}

//  Index the sample knowledge base's answers as tickets of areas of their
//  own: a background of ordinary Chinese text, so that common words weigh
//  as little as they do in a working ticket index.
static void
s_background (hl_similar_t *service)
{
    s_bg_service = service;
    CHECK (nftw (KB_ARTICLES, s_add_background, 16, FTW_PHYS) == 0);
}

//  Find and wait for the answer; returns the tickets found.
static const char *
s_find (struct event_base *base, hl_similar_t *service, const char *ticket,
        const char *text, const char *area, const char *category, int64_t since_ms,
        s_found_t *found)
{
    int before = found->calls;
    CHECK (hl_similar_find (service, ticket, text, area, category, since_ms, 10,
                            s_on_found, found) == 0);
    s_wait (base, &found->calls, before + 1, 60000);   //  a loaded machine is slow
    CHECK (found->calls == before + 1);
    return found->tickets;
}

static int
s_has (const char *list, const char *ticket)
{
    size_t len = strlen (ticket);
    for (const char *at = strstr (list, ticket); at; at = strstr (at + 1, ticket))
        if ((at == list || at[-1] == ' ') && (at[len] == ' ' || at[len] == 0))
            return 1;
    return 0;
}

//  Night-time construction noise next to one estate, told three ways.
static const char *s_noise_1 =
    "江城区东风路金海湾小区旁边的建筑工地每天晚上十一点以后还在打桩施工，"
    "声音很大，小区居民根本睡不着觉，希望有关部门尽快制止夜间施工。";
static const char *s_noise_2 =
    "金海湾小区附近工地半夜打桩，噪音太吵了，家里老人小孩晚上没法睡觉，"
    "请城管执法查一下这个工地夜间施工有没有许可。";
static const char *s_noise_3 =
    "东风路金海湾旁边的工地晚上还在施工打桩，噪音扰民严重，已经连续一个星期了。";

//  Similar tickets: same matter found, other matters, areas, categories
//  and old tickets left out, the ticket itself left out; by text too.
static void
test_find (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    hl_similar_t *service = s_service (base, &hotspots);
    s_background (service);
    const char *noise = "噪音扰民";
    CHECK (hl_similar_index (service, "N1", s_noise_1, "jc", noise, T0) == 0);
    CHECK (hl_similar_index (service, "N2", s_noise_2, "jc", noise, T0 + HOUR) == 0);
    CHECK (hl_similar_index (service, "N3", s_noise_3, "jc", noise, T0 + 2 * HOUR) == 0);
    //  Another noise matter in the same area and category.
    CHECK (hl_similar_index (service, "B1",
        "江城区新江路步行街夜市的商户用大音箱放音乐，一直放到凌晨一点，噪音扰民。",
        "jc", noise, T0 + HOUR) == 0);
    CHECK (hl_similar_index (service, "B2",
        "我家楼上住户天天晚上装修，电钻声音很大，跟物业说了也没用。",
        "jc", noise, T0 + HOUR) == 0);
    //  The same matter, but another area, another category, or too old.
    CHECK (hl_similar_index (service, "C1", s_noise_2, "yd", noise, T0 + HOUR) == 0);
    CHECK (hl_similar_index (service, "D1", s_noise_3, "jc", "城乡建设", T0 + HOUR) == 0);
    CHECK (hl_similar_index (service, "E1", s_noise_1, "jc", noise, T0 - 30 * DAY) == 0);
    //  Unrelated.
    CHECK (hl_similar_index (service, "F1",
        "江城区东风路的路灯坏了一个多月，晚上走路很黑，希望尽快维修。",
        "jc", "市政设施", T0 + HOUR) == 0);

    s_found_t found = {0};
    const char *got = s_find (base, service, "N1", NULL, "jc", noise, T0 - 7 * DAY, &found);
    printf ("  like N1: %s\n", got);
    CHECK (s_has (got, "N2") && s_has (got, "N3"));
    CHECK (!s_has (got, "N1") && !s_has (got, "B1") && !s_has (got, "B2"));
    CHECK (!s_has (got, "C1") && !s_has (got, "D1") && !s_has (got, "E1") && !s_has (got, "F1"));
    CHECK (strcmp (found.first_area, "jc") == 0 && strcmp (found.first_category, noise) == 0);
    CHECK (found.first.created_ms == T0 + HOUR || found.first.created_ms == T0 + 2 * HOUR);

    //  Each of the three finds the other two.
    got = s_find (base, service, "N3", NULL, "jc", noise, T0 - 7 * DAY, &found);
    CHECK (s_has (got, "N1") && s_has (got, "N2") && !s_has (got, "N3") && !s_has (got, "B1"));
    got = s_find (base, service, "N2", NULL, "jc", noise, T0 - 7 * DAY, &found);
    CHECK (s_has (got, "N1") && s_has (got, "N3") && !s_has (got, "B2"));

    //  A text being typed, as a caller says it.
    got = s_find (base, service, NULL, "金海湾小区旁边工地晚上打桩太吵", "jc", noise,
                  T0 - 7 * DAY, &found);
    printf ("  like the typed text: %s\n", got);
    CHECK (s_has (got, "N1") && s_has (got, "N2") && s_has (got, "N3"));
    CHECK (!s_has (got, "B1") && !s_has (got, "B2"));
    //  Any category, any area.
    got = s_find (base, service, "N1", NULL, NULL, NULL, T0 - 7 * DAY, &found);
    CHECK (s_has (got, "C1") && s_has (got, "D1") && !s_has (got, "E1") && !s_has (got, "F1"));
    got = s_find (base, service, NULL, "路灯不亮", "jc", NULL, 0, &found);
    CHECK (strcmp (got, "F1") == 0);
    //  Nothing like it.
    got = s_find (base, service, NULL, "公积金怎么提取", "jc", NULL, 0, &found);
    CHECK (strcmp (got, "") == 0 && found.errors == 0);

    //  Excerpts are the start of the text, cut between characters.
    got = s_find (base, service, NULL, "新江路步行街夜市音箱", "jc", noise, 0, &found);
    CHECK (strcmp (got, "B1") == 0);
    CHECK (strncmp (found.first_excerpt, "江城区新江路", strlen ("江城区新江路")) == 0);
    got = s_find (base, service, NULL, s_noise_1, "jc", noise, T0 - DAY, &found);
    printf ("  like N1's text: %s (%.2f)\n", got, found.first.score);
    CHECK (strncmp (got, "N1", 2) == 0 && found.first.score > 0.99);
    CHECK (strlen (found.first_excerpt) <= 120 && strlen (found.first_excerpt) >= 118);
    CHECK (strncmp (found.first_excerpt, s_noise_1, strlen (found.first_excerpt)) == 0);
    CHECK (strlen (found.first_excerpt) % 3 == 0);  //  whole 3-byte characters

    //  A ticket not indexed.
    s_find (base, service, "NOPE", NULL, "jc", noise, 0, &found);
    CHECK (found.errors == 1 && strstr (found.error, "NOPE"));
    //  N1..N3 are a hotspot (see test_hotspot), which D1 joins.
    CHECK (hotspots.raised == 1 && hotspots.events == 2);
    hl_similar_destroy (&service);
    CHECK (service == NULL);
    event_base_free (base);
    s_teardown ();
}

//  Re-indexing (a replay) changes nothing; forgotten tickets are no longer
//  suggested; changes are committed in batches, and at destroy.
static void
test_reindex_forget_commit (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    hl_similar_t *service = s_service (base, &hotspots);
    const char *noise = "噪音扰民";
    CHECK (hl_similar_index (service, "N1", s_noise_1, "jc", noise, T0) == 0);
    CHECK (hl_similar_index (service, "N2", s_noise_2, "jc", noise, T0 + HOUR) == 0);
    for (int i = 0; i < 3; i++)
        CHECK (hl_similar_index (service, "N1", s_noise_1, "jc", noise, T0) == 0);
    s_found_t found = {0};
    const char *got = s_find (base, service, NULL, s_noise_1, "jc", noise, 0, &found);
    CHECK (strcmp (got, "N1") == 0);
    got = s_find (base, service, "N2", NULL, "jc", noise, 0, &found);
    CHECK (strcmp (got, "N1") == 0);

    //  Committed within batch_ms (50 ms), visible to another reader.
    struct timespec pause = {0, 200 * 1000000};
    nanosleep (&pause, NULL);
    char err[512];
    hl_kb_t *reader = hl_kb_new (s_db, err, sizeof err);
    CHECK (reader);
    CHECK (hl_kb_size (reader) == 2);

    CHECK (hl_similar_forget (service, "N2") == 0);
    CHECK (hl_similar_forget (service, "N2") == 0);
    CHECK (hl_similar_forget (service, "NEVER") == 0);
    got = s_find (base, service, "N1", NULL, "jc", noise, 0, &found);
    CHECK (strcmp (got, "") == 0);
    //  Back again (reopened, 重办): suggested again.
    CHECK (hl_similar_index (service, "N2", s_noise_2, "jc", noise, T0 + HOUR) == 0);
    got = s_find (base, service, "N1", NULL, "jc", noise, 0, &found);
    CHECK (strcmp (got, "N2") == 0);

    //  Destroy writes what is queued.
    CHECK (hl_similar_index (service, "N3", s_noise_3, "jc", noise, T0 + 2 * HOUR) == 0);
    hl_similar_destroy (&service);
    CHECK (hl_kb_reopen (reader, err, sizeof err) == 0);
    CHECK (hl_kb_size (reader) == 3);
    hl_kb_destroy (&reader);
    //  And opens again with what it had.
    service = s_service (base, &hotspots);
    got = s_find (base, service, "N3", NULL, "jc", noise, 0, &found);
    CHECK (s_has (got, "N1"));
    hl_similar_destroy (&service);

    event_base_free (base);
    s_teardown ();
}

//  Index TICKETS[0..n) of one matter at the given times and let the
//  writer catch up.
static void
s_burst (struct event_base *base, hl_similar_t *service, const char *prefix,
         const char *const *texts, const int64_t *times, size_t n, const char *area)
{
    for (size_t i = 0; i < n; i++) {
        char ticket[32];
        snprintf (ticket, sizeof ticket, "%s%zu", prefix, i + 1);
        CHECK (hl_similar_index (service, ticket, texts[i], area, "噪音扰民", times[i]) == 0);
    }
    s_found_t found = {0};
    s_find (base, service, NULL, "同步", NULL, NULL, 0, &found);
}

//  Hotspots: one alert for a burst of three in one area, joined by a
//  fourth; none for two, nor for three spread over more than a day, nor
//  for unrelated tickets.
static void
test_hotspot (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    hl_similar_t *service = s_service (base, &hotspots);
    s_background (service);
    const char *noise[] = {s_noise_1, s_noise_2, s_noise_3, s_noise_2};

    //  Two: nothing.
    int64_t close_times[] = {T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR};
    s_burst (base, service, "A", noise, close_times, 2, "jc");
    CHECK (hotspots.events == 0);

    //  The same two in another area plus a third there: raised once, led
    //  by the earliest, listing all three.
    s_burst (base, service, "Y", noise, close_times, 3, "yd");
    CHECK (hotspots.events == 1 && hotspots.raised == 1);
    CHECK (strcmp (hotspots.lead, "Y1") == 0 && strcmp (hotspots.ticket, "Y3") == 0);
    CHECK (strcmp (hotspots.members, "Y1 Y2 Y3") == 0);
    CHECK (strcmp (hotspots.area, "yd") == 0 && strcmp (hotspots.category, "噪音扰民") == 0);

    //  A fourth joins: one more event, not a new alert.
    CHECK (hl_similar_index (service, "Y4", s_noise_1, "yd", "噪音扰民", T0 + 4 * HOUR) == 0);
    s_found_t found = {0};
    s_find (base, service, NULL, "同步", NULL, NULL, 0, &found);
    CHECK (hotspots.events == 2 && hotspots.raised == 1);
    CHECK (strcmp (hotspots.lead, "Y1") == 0 && strcmp (hotspots.members, "Y4") == 0);

    //  Replays of members raise nothing.
    s_burst (base, service, "Y", noise, close_times, 3, "yd");
    CHECK (hotspots.events == 2);

    //  Three over more than 24 hours: no two windows hold three.
    int64_t spread[] = {T0, T0 + 13 * HOUR, T0 + 26 * HOUR};
    s_burst (base, service, "S", noise, spread, 3, "hl");
    CHECK (hotspots.events == 2);

    //  Three unrelated complaints in one area within an hour: nothing.
    const char *unrelated[] = {
        "江城区新江路步行街夜市的商户用大音箱放音乐，一直放到凌晨一点。",
        "我家楼上住户天天晚上装修，电钻声音很大，跟物业说了也没用。",
        "小区门口的烧烤店油烟太大，排风机噪音也很吵，晚上开到两点。"
    };
    s_burst (base, service, "U", unrelated, close_times, 3, "jc");
    CHECK (hotspots.events == 2);

    //  The third of the first area's matter arrives: raised there.
    CHECK (hl_similar_index (service, "A3", s_noise_3, "jc", "噪音扰民", T0 + 2 * HOUR) == 0);
    s_find (base, service, NULL, "同步", NULL, NULL, 0, &found);
    CHECK (hotspots.events == 3 && hotspots.raised == 2);
    CHECK (strcmp (hotspots.lead, "A1") == 0 && strcmp (hotspots.members, "A1 A2 A3") == 0);
    hl_similar_destroy (&service);
    event_base_free (base);
    s_teardown ();
}

//  A threshold of two tickets and a short window, from the options.
static void
test_hotspot_options (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    char err[512];
    hl_similar_opts_t opts = {
        .path = s_db, .hotspot_min = 2, .hotspot_window_ms = HOUR,
        .hotspot_fn = s_on_hotspot, .hotspot_arg = &hotspots, .error_fn = s_on_error
    };
    hl_similar_t *service = hl_similar_new (base, &opts, err, sizeof err);
    CHECK (service);
    s_background (service);
    const char *noise[] = {s_noise_1, s_noise_2};
    int64_t apart[] = {T0, T0 + 2 * HOUR};
    s_burst (base, service, "P", noise, apart, 2, "jc");
    CHECK (hotspots.events == 0);
    int64_t close[] = {T0, T0 + 30 * 60 * 1000};
    s_burst (base, service, "Q", noise, close, 2, "yd");
    CHECK (hotspots.events == 1 && strcmp (hotspots.members, "Q1 Q2") == 0);
    hl_similar_destroy (&service);

    opts.hotspot_min = 1;
    CHECK (!hl_similar_new (base, &opts, err, sizeof err));
    opts.hotspot_min = 0;
    opts.path = NULL;
    CHECK (!hl_similar_new (base, &opts, err, sizeof err));
    event_base_free (base);
    s_teardown ();
}

//  Searches queued when the service is destroyed are answered once, with
//  an error; bad arguments are refused.
static void
test_destroy_in_flight (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    hl_similar_t *service = s_service (base, &hotspots);
    for (int i = 0; i < 50; i++) {
        char ticket[32];
        snprintf (ticket, sizeof ticket, "T%d", i);
        CHECK (hl_similar_index (service, ticket, i % 2 ? s_noise_1 : s_noise_2, "jc",
                                 NULL, T0 + i * DAY) == 0);
    }
    s_found_t found = {0};
    for (int i = 0; i < 20; i++)
        CHECK (hl_similar_find (service, "T1", NULL, "jc", NULL, 0, 5, s_on_found, &found) == 0);
    CHECK (found.calls == 0);
    CHECK (hl_similar_index (service, "", "x", "jc", NULL, T0) == HL_SIMILAR_INVALID);
    CHECK (hl_similar_index (service, "T", "x", NULL, NULL, T0) == HL_SIMILAR_INVALID);
    CHECK (hl_similar_find (service, NULL, NULL, "jc", NULL, 0, 5, s_on_found, &found)
           == HL_SIMILAR_INVALID);
    hl_similar_destroy (&service);
    CHECK (found.calls == 20 && found.errors == 20);
    CHECK (strstr (found.error, "stopped"));
    event_base_free (base);
    s_teardown ();
}

//  The queue bound: beyond queue_max waiting operations, refused at once.
static void
test_queue_full (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    char err[512];
    hl_similar_opts_t opts = {.path = s_db, .queue_max = 5, .error_fn = s_on_error};
    hl_similar_t *service = hl_similar_new (base, &opts, err, sizeof err);
    CHECK (service);
    int refused = 0;
    for (int i = 0; i < 200; i++) {
        char ticket[32];
        snprintf (ticket, sizeof ticket, "T%d", i);
        int rc = hl_similar_index (service, ticket, s_noise_1, "jc", NULL, T0);
        CHECK (rc == 0 || rc == HL_SIMILAR_FULL);
        refused += rc == HL_SIMILAR_FULL;
    }
    CHECK (refused > 0);
    CHECK (strstr (hl_similar_strerror (HL_SIMILAR_FULL), "busy"));
    hl_similar_destroy (&service);
    event_base_free (base);
    s_teardown ();
}

//  A bounded stop: what it has no time for is journaled, and the next
//  start indexes it, so a quick SIGTERM loses no ticket from the index.
static void
test_bounded_stop (void)
{
    s_setup ();
    struct event_base *base = event_base_new ();
    s_hotspots_t hotspots = {0};
    hl_similar_t *service = s_service (base, &hotspots);
    for (int i = 0; i < 60; i++) {
        char ticket[32];
        snprintf (ticket, sizeof ticket, "J%d", i);
        CHECK (hl_similar_index (service, ticket, i % 2 ? s_noise_1 : s_noise_3, "jc",
                                 NULL, T0 + i * 1000) == 0);
    }
    s_found_t found = {0};
    CHECK (hl_similar_find (service, "J1", NULL, "jc", NULL, 0, 5, s_on_found, &found) == 0);
    int64_t start = s_now_ms ();
    size_t saved = hl_similar_destroy_within (&service, 0);
    CHECK (s_now_ms () - start < 2000);
    CHECK (saved > 0 && found.errors == 1);
    service = s_service (base, &hotspots);
    CHECK (hl_similar_queued (service) <= saved);
    //  The last one queued before the stop is in the index once replayed:
    //  a search by its number finds its like.
    int errors = found.errors;
    const char *tickets = s_find (base, service, "J59", NULL, "jc", NULL, 0, &found);
    CHECK (found.errors == errors && tickets[0] != 0);
    hl_similar_destroy (&service);
    service = s_service (base, &hotspots);
    CHECK (hl_similar_queued (service) == 0);
    hl_similar_destroy (&service);
    event_base_free (base);
    s_teardown ();
}

int
main (void)
{
    setvbuf (stdout, NULL, _IOLBF, 0);
    test_find ();
    test_reindex_forget_commit ();
    test_hotspot ();
    test_hotspot_options ();
    test_destroy_in_flight ();
    test_queue_full ();
    test_bounded_stop ();
    printf ("test_hl_similar: OK\n");
    return 0;
}
