/*  Black-box tests of the knowledge base as agents use it through
 *  hotlined: searches answered off the event loop while intake keeps
 *  acknowledging, article updates visible without a restart, similar open
 *  tickets (并单 candidates) and hotspots.
 */
#include "hl_client.h"
#include "hl_load.h"
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_wire.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

typedef Hotline__Envelope env_t;

static void
s_free (env_t **e)
{
    if (*e)
        hotline__envelope__free_unpacked (*e, NULL);
    *e = NULL;
}

static int
s_index (const char *articles, const char *db)
{
    char cmd[1200];
    snprintf (cmd, sizeof cmd, "'%s' index '%s' --db '%s' --synonyms '%s' >/dev/null 2>&1",
              getenv ("HL_HOTLINE_KB"), articles, db, getenv ("HL_KB_SYNONYMS"));
    return system (cmd);
}

static hl_testenv_t *
s_env_up (const char *name, const char *articles)
{
    hl_testenv_t *env = hl_testenv_new (name);
    char kb[300], tickets[300];
    snprintf (kb, sizeof kb, "%s/kb", hl_testenv_dir (env));
    snprintf (tickets, sizeof tickets, "%s/tickets", hl_testenv_dir (env));
    HL_CHECK (s_index (articles, kb) == 0);
    const char *args[] = { "--kb-db", kb, "--tickets-db", tickets, NULL };
    if (hl_testenv_redis_start (env) != 0 || hl_testenv_daemon_start (env, args) != 0) {
        HL_CHECK (!"environment up");
        hl_testenv_destroy (&env);
    }
    return env;
}

static env_t *
s_search (hl_testenv_t *env, const char *query)
{
    Hotline__KbQuery q = HOTLINE__KB_QUERY__INIT;
    q.has_query = 1;
    q.query = hl_wire_bytes (query);
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_KB_QUERY;
    req.kb_query = &q;
    return hl_testenv_request (env, &req);
}

static int
s_hit_of_unit (const env_t *r, const char *unit)
{
    if (!r || r->body_case != HOTLINE__ENVELOPE__BODY_KB_RESULTS)
        return 0;
    for (size_t i = 0; i < r->kb_results->n_hits && i < 5; i++)
        if (r->kb_results->hits[i]->unit.len == strlen (unit)
            && memcmp (r->kb_results->hits[i]->unit.data, unit, strlen (unit)) == 0)
            return 1;
    return 0;
}

static void
test_search (void)
{
    hl_testenv_t *env = s_env_up ("kbsearch", getenv ("HL_KB_ARTICLES"));
    if (!env)
        return;
    env_t *r = s_search (env, "公积金怎么提取出来");
    HL_CHECK (s_hit_of_unit (r, "gjj"));
    HL_CHECK (r && r->kb_results && r->kb_results->n_hits > 0
              && r->kb_results->hits[0]->snippet.len > 0 && r->kb_results->hits[0]->answer.len > 0);
    s_free (&r);
    r = s_search (env, "app上社保卡激活不了 12345");
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_KB_RESULTS && r->kb_results->n_hits > 0);
    s_free (&r);
    r = s_search (env, "abc 北京 def");
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_KB_RESULTS);
    s_free (&r);
    r = s_search (env, "");
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_NACK
              && r->nack->code == HOTLINE__ERROR_CODE__ERROR_MISSING_FIELD);
    s_free (&r);
    //  hotline kb search into a pipe: plain text, no HTML or Markdown marks
    //  (a terminal would get bold); --json keeps the index's snippet.
    const char *cli[] = { "kb", "search", "社保卡激活", NULL };
    char *out = NULL;
    HL_CHECK (hl_testenv_client (env, cli, &out) == 0);
    HL_CHECK (out && strstr (out, "社保卡") && !strstr (out, "<b>") && !strstr (out, "**")
              && !strchr (out, '\033'));
    free (out);
    const char *json[] = { "--json", "kb", "search", "社保卡激活", NULL };
    HL_CHECK (hl_testenv_client (env, json, &out) == 0);
    HL_CHECK (out && strstr (out, "<b>社保卡</b>"));
    free (out);
    hl_testenv_destroy (&env);
}

//  A new article, indexed while hotlined runs, is found within seconds.
static void
test_update (void)
{
    char dir[256], cmd[1200];
    snprintf (dir, sizeof dir, "%s/hl-articles-XXXXXX", getenv ("HL_TEST_TMPDIR") ?: "/tmp");
    HL_CHECK (mkdtemp (dir) != NULL);
    snprintf (cmd, sizeof cmd, "cp -r '%s'/. '%s'/", getenv ("HL_KB_ARTICLES"), dir);
    HL_CHECK (system (cmd) == 0);
    hl_testenv_t *env = s_env_up ("kbupdate", dir);
    if (!env)
        return;
    env_t *r = s_search (env, "海陵岛渔船休渔期补贴");
    int before = r && r->kb_results && r->kb_results->n_hits > 0
              && r->kb_results->hits[0]->id.len == 15
              && memcmp (r->kb_results->hits[0]->id.data, "fishing-subsidy", 15) == 0;
    HL_CHECK (!before);
    s_free (&r);
    snprintf (cmd, sizeof cmd, "printf '%%s\\n' '---' 'id: fishing-subsidy' "
              "'title: 海陵岛渔船休渔期补贴怎么申请' 'unit: nyncj' 'categories: 农业农村' "
              "'tags: 休渔, 渔船, 补贴' 'updated: 2026-11-01' '---' "
              "'休渔期补贴由市农业农村局发放，船东凭渔船证书到所在镇渔业服务站申请。' > '%s/fishing.md'",
              dir);
    HL_CHECK (system (cmd) == 0);
    char kb[300];
    snprintf (kb, sizeof kb, "%s/kb", hl_testenv_dir (env));
    HL_CHECK (s_index (dir, kb) == 0);
    r = s_search (env, "海陵岛渔船休渔期补贴");
    HL_CHECK (r && r->kb_results && r->kb_results->n_hits > 0
              && r->kb_results->hits[0]->id.len == 15
              && memcmp (r->kb_results->hits[0]->id.data, "fishing-subsidy", 15) == 0);
    s_free (&r);
    hl_testenv_destroy (&env);
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    HL_CHECK (system (cmd) == 0);
}

typedef struct {
    hl_load_opts_t opts;
    hl_load_result_t result;
} s_load_t;

static void *
s_load_thread (void *arg)
{
    s_load_t *load = arg;
    hl_load_run (&load->opts, &load->result);
    return NULL;
}

//  Agents search hard while complaints stream in: every complaint is
//  acknowledged and every search answered.
static void
test_intake_while_searching (void)
{
    hl_testenv_t *env = s_env_up ("kbload", getenv ("HL_KB_ARTICLES"));
    if (!env)
        return;
    s_load_t load;
    hl_load_opts_default (&load.opts);
    load.opts.endpoint = hl_testenv_endpoint (env);
    load.opts.clients = 2;
    load.opts.total = 3000;
    load.opts.rate = 1000;
    load.opts.run_id = "kbload";
    pthread_t thread;
    pthread_create (&thread, NULL, s_load_thread, &load);
    static const char *queries[] = { "公积金提取", "孩子上小学要什么材料", "楼上装修太吵",
                                     "社保断缴怎么补", "停水了什么时候来水" };
    int answered = 0;
    for (int i = 0; i < 200; i++) {
        env_t *r = s_search (env, queries[i % 5]);
        answered += r && r->body_case == HOTLINE__ENVELOPE__BODY_KB_RESULTS;
        s_free (&r);
    }
    pthread_join (thread, NULL);
    HL_CHECK (answered == 200);
    HL_CHECK (load.result.acked == 3000 && load.result.refused == 0);
    printf ("searching: 200 searches answered; intake ack p99 %.2f ms meanwhile\n",
            hl_load_percentile (&load.result, 99) / 1000);
    hl_load_result_free (&load.result);
    hl_testenv_destroy (&env);
}

static void
s_submit (hl_testenv_t *env, const char *area, const char *text, char out[48])
{
    char rid[33];
    Hotline__Complaint c;
    hl_testenv_complaint (&c, HOTLINE__CHANNEL__CHANNEL_PHONE,
                          HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, "GA.03", area, text, rid);
    hl_testenv_file (env, &c, out);
}

//  Three callers complain about the same bar in one area: each sees the
//  others as similar, one hotspot is raised; a complaint elsewhere is not.
static void
test_similar_and_hotspot (void)
{
    hl_testenv_t *env = s_env_up ("similar", getenv ("HL_KB_ARTICLES"));
    if (!env)
        return;
    char a[48], b[48], c[48], other[48];
    s_submit (env, "441702", "江城区东风路的夜宵烧烤店每天凌晨两点还在营业，噪音扰民严重", a);
    s_submit (env, "441702", "东风路烧烤店半夜噪音太大，吵得小孩睡不着，希望管一管", b);
    s_submit (env, "441704", "阳东区新洲路工地晚上施工，噪音扰民", other);
    s_submit (env, "441702", "东风路那家烧烤夜宵店凌晨还在营业，噪音扰民", c);
    usleep (1500 * 1000);                 //  the index commits in batches
    Hotline__SimilarQuery q = HOTLINE__SIMILAR_QUERY__INIT;
    q.has_ticket = 1;
    q.ticket = hl_wire_bytes (c);
    q.has_area = 1;
    q.area = hl_wire_bytes ("441702");
    env_t req = HOTLINE__ENVELOPE__INIT;
    req.body_case = HOTLINE__ENVELOPE__BODY_SIMILAR_QUERY;
    req.similar_query = &q;
    env_t *r = hl_testenv_request (env, &req);
    HL_CHECK (r && r->body_case == HOTLINE__ENVELOPE__BODY_SIMILAR_RESULTS);
    int found_a = 0, found_b = 0, found_other = 0, found_self = 0;
    for (size_t i = 0; r && r->similar_results && i < r->similar_results->n_tickets; i++) {
        const char *t = r->similar_results->tickets[i]->ticket;
        found_a += strcmp (t, a) == 0;
        found_b += strcmp (t, b) == 0;
        found_other += strcmp (t, other) == 0;
        found_self += strcmp (t, c) == 0;
    }
    HL_CHECK (found_a && found_b && !found_other && !found_self);
    s_free (&r);
    redisReply *h = redisCommand (hl_testenv_redis (env), "LLEN hl:hotspots");
    HL_CHECK (h && h->type == REDIS_REPLY_INTEGER && h->integer == 1);
    if (h)
        freeReplyObject (h);
    hl_testenv_destroy (&env);
}

static const hl_test_case_t s_cases[] = {
    { "search", test_search },
    { "update", test_update },
    { "intake_while_searching", test_intake_while_searching },
    { "similar_and_hotspot", test_similar_and_hotspot },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
