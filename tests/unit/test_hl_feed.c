/*  Unit test of hl_feed: one event reaches the PUB socket (topic, packed
 *  Event) and the in-process listener (JSON) alike. */
#include "hl_feed.h"
#include "hl_test.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

typedef struct {
    char kind[32];
    char json[512];
    int calls;
} s_heard_t;

static void
s_listen (const char *kind, const char *json, size_t len, void *arg)
{
    s_heard_t *h = arg;
    snprintf (h->kind, sizeof h->kind, "%s", kind);
    snprintf (h->json, sizeof h->json, "%.*s", (int) len, json);
    h->calls++;
}

static void
s_timer_event (Hotline__Event *ev)
{
    hotline__event__init (ev);
    ev->kind = "timer";
    ev->ticket = "YJ20261127000042";
    ev->milestone = "reply";
    ev->level = "warn";
    ev->unit = "cgj";
    ev->has_at_ms = 1;
    ev->at_ms = 1795743000000ULL;
    ev->has_due_ms = 1;
    ev->due_ms = 1795750200000ULL;
}

static void
test_publish (void)
{
    void *ctx = zmq_ctx_new ();
    char err[256];
    hl_feed_t *feed = hl_feed_new (ctx, "inproc://feed-test", err, sizeof err);
    HL_CHECK (feed != NULL);
    HL_CHECK (hl_feed_new (ctx, "inproc://feed-test", err, sizeof err) == NULL);
    HL_CHECK (strstr (err, "cannot bind inproc://feed-test") != NULL);

    void *sub = zmq_socket (ctx, ZMQ_SUB);
    int zero = 0, timeout = 2000;
    zmq_setsockopt (sub, ZMQ_LINGER, &zero, sizeof zero);
    zmq_setsockopt (sub, ZMQ_RCVTIMEO, &timeout, sizeof timeout);
    zmq_setsockopt (sub, ZMQ_SUBSCRIBE, "timer", 5);
    HL_CHECK (zmq_connect (sub, "inproc://feed-test") == 0);
    usleep (100 * 1000);            //  let the subscription reach the publisher

    s_heard_t heard = { .calls = 0 };
    hl_feed_listen (feed, s_listen, &heard);
    Hotline__Event ev;
    s_timer_event (&ev);
    hl_feed_publish (feed, &ev);

    char topic[32] = "", frame[512];
    int n = zmq_recv (sub, topic, sizeof topic - 1, 0);
    HL_CHECK (n == 5 && memcmp (topic, "timer", 5) == 0);
    int more = 0;
    size_t more_len = sizeof more;
    zmq_getsockopt (sub, ZMQ_RCVMORE, &more, &more_len);
    HL_CHECK (more);
    n = zmq_recv (sub, frame, sizeof frame, 0);
    HL_CHECK (n > 0);
    Hotline__Event *got = n > 0 ? hotline__event__unpack (NULL, (size_t) n, (uint8_t *) frame)
                                : NULL;
    HL_CHECK (got && strcmp (got->ticket, "YJ20261127000042") == 0);
    HL_CHECK (got && got->due_ms == 1795750200000ULL && strcmp (got->level, "warn") == 0);
    if (got)
        hotline__event__free_unpacked (got, NULL);

    HL_CHECK (heard.calls == 1);
    HL_CHECK_STR (heard.kind, "timer");
    HL_CHECK_STR (heard.json, "{\"ticket\":\"YJ20261127000042\",\"unit\":\"cgj\","
                              "\"milestone\":\"reply\",\"level\":\"warn\","
                              "\"due_ms\":1795750200000,\"at_ms\":1795743000000}");

    //  No kind: published as "event"; no subscriber for it, no blocking.
    ev.kind = NULL;
    hl_feed_publish (feed, &ev);
    HL_CHECK (heard.calls == 2);
    HL_CHECK_STR (heard.kind, "event");

    zmq_close (sub);
    hl_feed_destroy (&feed);
    HL_CHECK (feed == NULL);
    hl_feed_destroy (&feed);

    //  Without an endpoint: listeners only.
    feed = hl_feed_new (ctx, "", err, sizeof err);
    HL_CHECK (feed != NULL);
    hl_feed_listen (feed, s_listen, &heard);
    s_timer_event (&ev);
    hl_feed_publish (feed, &ev);
    HL_CHECK (heard.calls == 3);
    hl_feed_destroy (&feed);
    zmq_ctx_term (ctx);
}

static const hl_test_case_t s_cases[] = {
    { "publish", test_publish },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
