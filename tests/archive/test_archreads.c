/*  Black-box tests of the lists reading through to the PostgreSQL archive:
 *  tickets that left Redis are listed by caller, unit and state exactly as
 *  they were while Redis held them, merged with Redis's own, newest first,
 *  within the limit; with PostgreSQL down a list is Redis's part, flagged
 *  archive_unavailable. The tickets reach the archive through hotlined's
 *  archiver and are then deleted from Redis by hand (as retention will).
 */
#include "hl_test.h"
#include "hl_testenv.h"
#include "hl_testpg.h"
#include "hl_proc.h"

#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_PHONE "13600000001"
#define S_TOKEN "test-supervisor-token-0123456789"

//  A ticket of S_PHONE (or of another caller) with CONTENT; its number
//  into TICKET.
static int
s_submit (hl_testenv_t *env, const char *phone, const char *content, char ticket[48])
{
    const char *submit[] = { "submit", "--channel", "web", "--type", "建议", "--category",
                             "JT.01", "--area", "441702", "--phone", phone, "--content",
                             content, NULL };
    char *out = NULL;
    int rc = hl_testenv_client (env, submit, &out);
    int ok = rc == 0 && out && strncmp (out, "YJ", 2) == 0;
    if (ok)
        snprintf (ticket, 48, "%.*s", (int) strcspn (out, " \n"), out);
    free (out);
    return ok;
}

//  What `hotline ARGS...` prints (NULL if it failed).
static char *
s_run (hl_testenv_t *env, const char *const *args)
{
    char *out = NULL;
    if (hl_testenv_client (env, args, &out) != 0) {
        free (out);
        return NULL;
    }
    return out;
}

//  Whether the client's last complaint (stderr) holds TEXT.
static int
s_client_said (hl_testenv_t *env, const char *text)
{
    char path[300], line[1024];
    snprintf (path, sizeof path, "%s/client.err", hl_testenv_dir (env));
    FILE *f = fopen (path, "r");
    int found = 0;
    while (f && !found && fgets (line, sizeof line, f))
        found = strstr (line, text) != NULL;
    if (f)
        fclose (f);
    return found;
}

//  TICKET leaves Redis as retention makes it leave: its hash and its place
//  in every list index.
static void
s_forget (hl_testenv_t *env, const char *ticket)
{
    redisContext *rc = hl_testenv_redis (env);
    redisReply *r = redisCommand (rc, "DEL %s", hl_testenv_tkey (ticket, "t"));
    HL_CHECK (r && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject (r);
    r = redisCommand (rc, "KEYS %s*", HL_INDEX_PREFIX);
    for (size_t i = 0; r && r->type == REDIS_REPLY_ARRAY && i < r->elements; i++)
        freeReplyObject (redisCommand (rc, "ZREM %s %s", r->element[i]->str, ticket));
    freeReplyObject (r);
}

//  Redis, then hotlined with PG as its archive and its dashboard on HTTP.
static int
s_daemon (hl_testenv_t *env, hl_testpg_t *pg, const char *http)
{
    setenv ("HOTLINE_HTTP_TOKEN", S_TOKEN, 1);
    const char *args[] = { "--archive-dsn", hl_testpg_dsn (pg), "--archive-password-file",
                           hl_testpg_password_file (pg), "--archive-timeout-ms", "500",
                           "--http-endpoint", http, NULL };
    return hl_testenv_redis_start (env) == 0 && hl_testenv_daemon_start (env, args) == 0 ? 0 : -1;
}

//  Three tickets of one caller and one of another, all archived; the two
//  oldest of the caller's then leave Redis. Every list shows what it
//  showed before, in the same order, and `show` still finds them.
static void
test_list_read_through (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archreads-list");
    hl_testenv_t *env = hl_testenv_new ("archreads-list");
    setenv ("HOTLINE_PII_KEY", "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0", 1);
    int port = hl_proc_free_port ();
    char http[64], path[160];
    snprintf (http, sizeof http, "127.0.0.1:%d", port);
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg, http) == 0);
    char t[4][48];
    HL_CHECK (s_submit (env, S_PHONE, "一号：建议增加10路公交晚班车", t[0]));
    HL_CHECK (s_submit (env, S_PHONE, "二号：东风路口红绿灯时间太短", t[1]));
    HL_CHECK (s_submit (env, "13700000002", "三号：另一位市民的建议", t[2]));
    HL_CHECK (s_submit (env, S_PHONE, "四号：公交站台缺少遮雨棚", t[3]));
    HL_CHECK (hl_testpg_wait_value (pg, "SELECT count(*) FROM tickets t WHERE t.version = "
                                "(SELECT count(*) FROM history h WHERE h.number = t.number)",
                            "4", 20000));
    HL_CHECK (hl_testenv_outbox_drained (env, 10000) == 0);

    const char *by_caller[] = { "list", "--caller", S_PHONE, NULL };
    const char *by_caller2[] = { "list", "--caller", S_PHONE, "--limit", "2", NULL };
    const char *by_unit_state[] = { "list", "--state", "dispatched", NULL };
    const char *json[] = { "--json", "list", "--caller", S_PHONE, NULL };
    char *before[4] = { s_run (env, by_caller), s_run (env, by_caller2),
                        s_run (env, by_unit_state), s_run (env, json) };
    //  The caller's three, newest first; the other caller's is not there.
    HL_CHECK (before[0] && strstr (before[0], t[3]) && strstr (before[0], t[1])
              && strstr (before[0], t[0]) && !strstr (before[0], t[2])
              && strstr (before[0], t[3]) < strstr (before[0], t[1])
              && strstr (before[0], t[1]) < strstr (before[0], t[0]));
    HL_CHECK (before[2] && strstr (before[2], t[2]));

    s_forget (env, t[0]);
    s_forget (env, t[1]);
    s_forget (env, t[2]);
    const char *show[] = { "show", t[1], NULL };
    char *shown = s_run (env, show);
    HL_CHECK (shown && strstr (shown, "东风路口红绿灯时间太短"));
    free (shown);

    char *after[4] = { s_run (env, by_caller), s_run (env, by_caller2),
                       s_run (env, by_unit_state), s_run (env, json) };
    for (int i = 0; i < 4; i++) {
        HL_CHECK_STR (after[i], before[i]);
        free (before[i]);
        free (after[i]);
    }
    HL_CHECK (!s_client_said (env, "archive_unavailable"));

    //  By unit: the lead unit the dispatch gave them, the same way; and on
    //  the dashboard, the list and an archived ticket with its history
    //  (the caller masked, as for any staff).
    char *unit = hl_testpg_value (pg, "SELECT min(unit) FROM tickets");
    HL_CHECK (unit && *unit);
    const char *by_unit[] = { "list", "--unit", unit ? unit : "-", NULL };
    char *listed = s_run (env, by_unit);
    HL_CHECK (listed && strstr (listed, t[0]) && strstr (listed, t[1]) && strstr (listed, t[2])
              && strstr (listed, t[3]));
    free (listed);
    int status = 0;
    snprintf (path, sizeof path, "/api/tickets?unit=%s&limit=3", unit ? unit : "-");
    char *body = hl_testenv_http_get (port, path, S_TOKEN, &status);
    HL_CHECK (status == 200 && body && strstr (body, "{\"archive_unavailable\":false,")
              && strstr (body, t[3]) && strstr (body, t[2]) && strstr (body, t[1])
              && !strstr (body, t[0]) && strstr (body, t[2]) < strstr (body, t[1]));
    free (body);
    free (unit);
    snprintf (path, sizeof path, "/api/ticket?number=%s", t[0]);
    body = hl_testenv_http_get (port, path, S_TOKEN, &status);
    HL_CHECK (status == 200 && body && strstr (body, "一号：建议增加10路公交晚班车")
              && strstr (body, "\"history\"") && !strstr (body, S_PHONE));
    free (body);
    body = hl_testenv_http_get (port, "/api/ticket?number=YJ202001010700001", S_TOKEN, &status);
    HL_CHECK (status == 404 && body && strstr (body, "not_found"));
    free (body);
    body = hl_testenv_http_get (port, "/api/tickets?state=nonsense", S_TOKEN, &status);
    HL_CHECK (status == 400 && body && strstr (body, "bad_value"));
    free (body);

    //  PostgreSQL gone: Redis's part, flagged, not an error.
    hl_testpg_stop (pg);
    char *part = NULL;
    long long t0 = hl_testenv_now_ms ();
    do {
        free (part);
        part = s_run (env, by_caller);
    } while (!s_client_said (env, "archive_unavailable") && hl_testenv_now_ms () - t0 < 10000);
    HL_CHECK (s_client_said (env, "archive_unavailable"));
    HL_CHECK (part && strstr (part, t[3]) && !strstr (part, t[1]) && !strstr (part, t[0]));
    free (part);
    body = hl_testenv_http_get (port, "/api/tickets?state=dispatched", S_TOKEN, &status);
    HL_CHECK (status == 200 && body && strstr (body, "{\"archive_unavailable\":true,")
              && strstr (body, t[3]) && !strstr (body, t[1]));
    free (body);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
    unsetenv ("HOTLINE_PII_KEY");
}

//  hotline-open311 on a free port in front of ENV's hotlined; its pid.
static pid_t
s_gateway (hl_testenv_t *env, int *port)
{
    char keys[300];
    snprintf (keys, sizeof keys, "%s/open311-keys", hl_testenv_dir (env));
    FILE *f = fopen (keys, "w");
    HL_CHECK (f && fprintf (f, "city-app 0123456789abcdef0123 app 6000 200\n") > 0);
    if (f)
        fclose (f);
    chmod (keys, 0600);
    const char *argv[] = { getenv ("HL_OPEN311"), "--listen", "127.0.0.1:@PORT0@",
                           "--endpoint", hl_testenv_endpoint (env), "--services",
                           getenv ("HL_OPEN311_CONF"), "--codes", getenv ("HL_CODES"),
                           "--dispatch", getenv ("HL_DISPATCH"), "--keys", keys, NULL };
    int ports[HL_PROC_PORTS] = { 0 };
    char log[300];
    snprintf (log, sizeof log, "%s/open311.log", hl_testenv_dir (env));
    hl_proc_opts_t opts = { .log = log };
    pid_t pid = argv[0] && argv[6] ? hl_proc_start (argv, ports, &opts) : -1;
    *port = ports[0];
    return pid;
}

//  Open311: a request that left Redis is listed by status (and date) and
//  read by its id, as before.
static void
test_open311_read_through (void)
{
    hl_testpg_t *pg = hl_testpg_new ("archreads-o311");
    hl_testenv_t *env = hl_testenv_new ("archreads-o311");
    int http = hl_proc_free_port (), port = 0;
    char endpoint[64], path[160];
    snprintf (endpoint, sizeof endpoint, "127.0.0.1:%d", http);
    HL_CHECK (pg && env && hl_testpg_start (pg) == 0 && s_daemon (env, pg, endpoint) == 0);
    char t[2][48];
    const char *road[] = { "submit", "--channel", "web", "--type", "求助", "--category", "JT.03",
                           "--area", "441702", "--phone", S_PHONE, "--content", NULL, NULL };
    const char *texts[] = { "东风路井盖缺失", "人民路路面坑洼" };
    for (int i = 0; i < 2; i++) {
        road[12] = texts[i];
        char *out = s_run (env, road);
        HL_CHECK (out && strncmp (out, "YJ", 2) == 0);
        snprintf (t[i], sizeof t[i], "%.*s", out ? (int) strcspn (out, " \n") : 0, out ? out : "");
        free (out);
    }
    HL_CHECK (hl_testpg_wait_value (pg, "SELECT count(*) FROM tickets t WHERE t.version = "
                                        "(SELECT count(*) FROM history h WHERE h.number = t.number)",
                                    "2", 20000));
    HL_CHECK (hl_testenv_outbox_drained (env, 10000) == 0);
    s_forget (env, t[0]);
    pid_t gw = s_gateway (env, &port);
    HL_CHECK (gw > 0);
    int status = 0;
    char *body = hl_testenv_http_get (port, "/open311/v2/requests.json?status=open", NULL,
                                      &status);
    HL_CHECK (status == 200 && body && strstr (body, t[0]) && strstr (body, t[1])
              && strstr (body, t[1]) < strstr (body, t[0]) && strstr (body, "东风路井盖缺失"));
    free (body);
    snprintf (path, sizeof path, "/open311/v2/requests/%s.json", t[0]);
    body = hl_testenv_http_get (port, path, NULL, &status);
    HL_CHECK (status == 200 && body && strstr (body, t[0]) && strstr (body, "东风路井盖缺失")
              && strstr (body, "\"status\":\"open\""));
    free (body);
    if (gw > 0)
        hl_proc_stop (gw, SIGTERM);
    hl_testenv_destroy (&env);
    hl_testpg_destroy (&pg);
}

int
main (int argc, char **argv)
{
    hl_test_case_t cases[] = {
        { "list_read_through", test_list_read_through },
        { "open311_read_through", test_open311_read_through },
        { NULL, NULL }
    };
    return hl_test_main (cases, argc, argv);
}
