/*  Tests of the knowledge-base index: full and incremental indexing,
    atomic commits, synonyms, validity dates, filters, mixed-script
    queries, malformed files. Each test works in its own temporary
    directory. */
#include "hl_article.h"
#include "hl_kbindex.h"
#include "hl_xapian.h"

#include <assert.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(cond) \
    do { if (!(cond)) { \
        fprintf (stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        abort (); } } while (0)

//  2025-06-01 12:00 China Standard Time.
#define NOW 1748750400

static char s_root[512];        //  this test's temporary directory
static char s_dir[600];         //  articles
static char s_db[600];          //  index
static char s_reports[4096];    //  problems reported by the last run

static void
s_write (const char *name, const char *text)
{
    char path[800];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    FILE *f = fopen (path, "w");
    CHECK (f);
    fputs (text, f);
    CHECK (fclose (f) == 0);
}

//  Write an article with the usual header.
static void
s_article (const char *file, const char *id, const char *title, const char *unit,
           const char *categories, const char *extra, const char *body)
{
    char text[4096];
    snprintf (text, sizeof text,
              "---\nid: %s\ntitle: %s\nunit: %s\ncategories: %s\n%s---\n%s\n",
              id, title, unit, categories, extra ? extra : "", body);
    s_write (file, text);
}

static void
s_remove (const char *name)
{
    char path[800];
    snprintf (path, sizeof path, "%s/%s", s_dir, name);
    CHECK (unlink (path) == 0);
}

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
    snprintf (s_root, sizeof s_root, "%s/kbtest-XXXXXX", base ? base : "/tmp");
    CHECK (mkdtemp (s_root));
    snprintf (s_dir, sizeof s_dir, "%s/articles", s_root);
    snprintf (s_db, sizeof s_db, "%s/db", s_root);
    CHECK (mkdir (s_dir, 0700) == 0);
}

static void
s_teardown (void)
{
    nftw (s_root, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static void
s_collect_report (const char *message, void *arg)
{
    (void) arg;
    strncat (s_reports, message, sizeof s_reports - strlen (s_reports) - 2);
    strcat (s_reports, "\n");
}

//  Index s_dir into s_db with an optional synonyms file.
static hl_kbindex_stats_t
s_index (const char *synonyms)
{
    hl_kbindex_stats_t st;
    char err[512];
    s_reports[0] = 0;
    int rc = hl_kbindex_run (s_dir, s_db, synonyms, s_collect_report, NULL, &st, err, sizeof err);
    if (rc)
        fprintf (stderr, "index: %s\n", err);
    CHECK (rc == 0);
    return st;
}

//  Search and return the ids of the hits, space-separated; with
//  STRICT_ONLY, only of the hits that matched every word.
static const char *
s_search_ex (const char *query, const char *unit, const char *category, int64_t now,
             int strict_only)
{
    static char ids[1024];
    char err[512];
    hl_kb_t *kb = hl_kb_new (s_db, err, sizeof err);
    CHECK (kb);
    hl_kb_query_t q = {0};
    q.unit = unit;
    q.category = category;
    q.now = now;
    hl_kb_results_t *r;
    int rc = hl_kb_search (kb, query, &q, &r, err, sizeof err);
    if (rc)
        fprintf (stderr, "search '%s': %s\n", query, err);
    CHECK (rc == 0);
    ids[0] = 0;
    for (size_t i = 0; i < hl_kb_results_size (r); i++) {
        if (strict_only && !hl_kb_results_hit (r, i)->strict)
            continue;
        if (ids[0])
            strcat (ids, " ");
        strncat (ids, hl_kb_results_hit (r, i)->id, sizeof ids - strlen (ids) - 2);
    }
    hl_kb_results_destroy (&r);
    CHECK (r == NULL);
    hl_kb_destroy (&kb);
    CHECK (kb == NULL);
    return ids;
}

static const char *
s_search_with (const char *query, const char *unit, const char *category, int64_t now)
{
    return s_search_ex (query, unit, category, now, 0);
}

static const char *
s_search_strict (const char *query)
{
    return s_search_ex (query, NULL, NULL, NOW, 1);
}

static const char *
s_search (const char *query)
{
    return s_search_with (query, NULL, NULL, NOW);
}

//  True if ID is the first hit of IDS.
static int
s_first_is (const char *ids, const char *id)
{
    size_t n = strlen (id);
    return strncmp (ids, id, n) == 0 && (ids[n] == 0 || ids[n] == ' ');
}

//  True if ID is among IDS.
static int
s_has (const char *ids, const char *id)
{
    size_t n = strlen (id);
    for (const char *p = strstr (ids, id); p; p = strstr (p + 1, id))
        if ((p == ids || p[-1] == ' ') && (p[n] == 0 || p[n] == ' '))
            return 1;
    return 0;
}

static void
s_base_articles (void)
{
    s_article ("card.md", "sb-card", "社保卡怎么激活", "rsj", "社保, 社保卡", "tags: 启用\n",
               "新领的社保卡要先激活才能用。带身份证到合作银行网点激活，也可以在粤省事里激活电子社保卡。");
    s_article ("gjj.md", "gjj-withdraw", "住房公积金提取", "gjj", "公积金", NULL,
               "购房、租房、退休可以申请提取住房公积金，在公积金中心柜台或网上办事大厅办理。");
    s_article ("noise.md", "noise-decor", "楼上装修噪音扰民怎么办", "zfj", "噪音扰民", NULL,
               "装修施工时间为工作日8点至12点、14点至18点，节假日不得施工。可以先找物业协调，物业不管可以向住建部门反映。");
    s_article ("water.md", "water-cut", "停水了怎么查询", "swsj", "停水停电", NULL,
               "计划停水会提前24小时公告。突发停水可拨打供水公司服务热线查询抢修进度。");
}

static void
test_index_and_incremental (void)
{
    s_setup ();
    s_base_articles ();
    hl_kbindex_stats_t st = s_index (NULL);
    CHECK (st.added == 4 && st.updated == 0 && st.deleted == 0 && st.rejected == 0);
    CHECK (s_first_is (s_search ("社保卡激活"), "sb-card"));
    CHECK (s_first_is (s_search ("楼上装修太吵了"), "noise-decor"));

    //  Nothing changed: nothing written.
    st = s_index (NULL);
    CHECK (st.unchanged == 4 && st.added == 0 && st.updated == 0 && st.deleted == 0);

    //  One changed, one added, one deleted.
    s_article ("water.md", "water-cut", "停水了怎么查询", "swsj", "停水停电", NULL,
               "计划停水会提前24小时公告。水压低、水发黄也请拨打供水服务热线报修。");
    s_article ("gas.md", "gas-leak", "闻到燃气泄漏的味道怎么办", "zjj", "燃气", NULL,
               "立即关闭燃气阀门，打开门窗通风，不要开关电器，到室外拨打燃气公司抢修电话。");
    s_remove ("gjj.md");
    st = s_index (NULL);
    CHECK (st.updated == 1 && st.added == 1 && st.deleted == 1 && st.unchanged == 2);
    CHECK (s_first_is (s_search ("水发黄"), "water-cut"));
    CHECK (s_first_is (s_search ("燃气泄漏"), "gas-leak"));
    CHECK (!s_has (s_search ("住房公积金提取"), "gjj-withdraw"));

    //  An article moved to another file keeps its id and is rewritten.
    char from[800], to[800];
    snprintf (from, sizeof from, "%s/gas.md", s_dir);
    snprintf (to, sizeof to, "%s/sub", s_dir);
    CHECK (mkdir (to, 0700) == 0);
    snprintf (to, sizeof to, "%s/sub/gas.md", s_dir);
    CHECK (rename (from, to) == 0);
    st = s_index (NULL);
    CHECK (st.updated == 1 && st.unchanged == 3);
    s_teardown ();
}

//  A reader sees nothing of a writer's changes until the commit, then all.
static void
test_commit_is_atomic (void)
{
    s_setup ();
    s_base_articles ();
    s_index (NULL);
    char err[512];
    hl_kb_t *kb = hl_kb_new (s_db, err, sizeof err);
    CHECK (kb && hl_kb_size (kb) == 4);
    hl_kb_writer_t *w = hl_kb_writer_new (s_db, err, sizeof err);
    CHECK (w);
    //  A second writer is refused while the first holds the index.
    hl_kb_writer_t *w2 = hl_kb_writer_new (s_db, err, sizeof err);
    CHECK (w2 == NULL && strlen (err) > 0);
    hl_kb_doc_t doc = {.id = "x1", .title = "测试", .unit = "rsj", .body = "内容"};
    CHECK (hl_kb_writer_put (w, &doc, err, sizeof err) == 0);
    CHECK (hl_kb_writer_delete (w, "sb-card", err, sizeof err) == 0);
    CHECK (hl_kb_reopen (kb, err, sizeof err) == 0 && hl_kb_size (kb) == 4);
    CHECK (hl_kb_writer_commit (w, err, sizeof err) == 0);
    CHECK (hl_kb_reopen (kb, err, sizeof err) == 0 && hl_kb_size (kb) == 4);
    CHECK (s_first_is (s_search ("测试"), "x1"));
    CHECK (!s_has (s_search ("社保卡激活"), "sb-card"));
    //  Uncommitted changes are dropped with the writer.
    CHECK (hl_kb_writer_delete (w, "x1", err, sizeof err) == 0);
    hl_kb_writer_destroy (&w);
    CHECK (w == NULL);
    CHECK (hl_kb_reopen (kb, err, sizeof err) == 0 && hl_kb_size (kb) == 4);
    //  A bad document is refused with a message.
    w = hl_kb_writer_new (s_db, err, sizeof err);
    hl_kb_doc_t bad = {.id = "x2", .title = "t"};
    CHECK (hl_kb_writer_put (w, &bad, err, sizeof err) == -1 && strstr (err, "needs"));
    hl_kb_writer_destroy (&w);
    hl_kb_destroy (&kb);
    //  A missing index gives an error, not a crash.
    char missing[700];
    snprintf (missing, sizeof missing, "%s/none", s_root);
    CHECK (hl_kb_new (missing, err, sizeof err) == NULL && strlen (err) > 0);
    s_teardown ();
}

static void
test_synonyms (void)
{
    s_setup ();
    s_article ("yb.md", "yb-reimburse", "异地就医怎么报销", "ybj", "医保", NULL,
               "参加医疗保险的人员到外地看病，先在国家医保服务平台办理异地就医备案，出院时直接结算。");
    s_article ("hk.md", "hk-move", "户籍迁入需要什么材料", "gaj", "户籍",
               "synonyms: 迁入/落户\n", "买房或投靠亲属迁入本市，带身份证、户口簿、房产证到派出所户籍窗口办理。");
    s_article ("sb.md", "sb-transfer", "养老保险关系转移", "rsj", "养老", NULL,
               "到新参保地申请转移社会保险关系，原参保地审核后转出。");
    char syn[700];
    snprintf (syn, sizeof syn, "%s/synonyms.txt", s_root);
    FILE *f = fopen (syn, "w");
    CHECK (f);
    fputs ("# groups\n医保/医疗保险\n户口/户籍\n社保/社会保险\nbroken line\n", f);
    CHECK (fclose (f) == 0);
    hl_kbindex_stats_t st = s_index (syn);
    CHECK (st.synonyms_changed == 1 && st.synonym_groups == 4 && st.rejected == 1);
    CHECK (strstr (s_reports, "synonyms.txt:5: a synonym group needs"));
    //  The word the caller uses is not in the article; its synonym is.
    CHECK (s_first_is (s_search ("外地看病医保"), "yb-reimburse"));
    CHECK (s_first_is (s_search ("户口迁入"), "hk-move"));
    CHECK (s_first_is (s_search ("落户要带什么"), "hk-move"));
    CHECK (s_first_is (s_search ("社保转移"), "sb-transfer"));
    CHECK (strcmp (s_search_strict ("社保"), "sb-transfer") == 0);
    //  Strict matching still holds: both words must be found somewhere.
    CHECK (strcmp (s_search ("医保 户籍"), "") != 0);

    //  Unchanged groups are not rewritten; a removed group stops working.
    st = s_index (syn);
    CHECK (st.synonyms_changed == 0);
    f = fopen (syn, "w");
    CHECK (f);
    fputs ("户口/户籍\n", f);
    CHECK (fclose (f) == 0);
    st = s_index (syn);
    CHECK (st.synonyms_changed == 1 && st.synonym_groups == 2);
    CHECK (strcmp (s_search_strict ("社保"), "") == 0);
    CHECK (strcmp (s_search_strict ("户口"), "hk-move") == 0);
    s_teardown ();
}

static void
test_validity (void)
{
    s_setup ();
    s_article ("old.md", "old-policy", "2024年医保缴费标准", "ybj", "医保",
               "valid_until: 2024-12-31\n", "2024年度城乡居民医保个人缴费标准为每人每年380元。");
    s_article ("new.md", "new-policy", "2026年医保缴费标准", "ybj", "医保",
               "valid_from: 2026-01-01\n", "2026年度城乡居民医保个人缴费标准按新文件执行。");
    s_article ("now.md", "cur-policy", "2025年医保缴费标准", "ybj", "医保",
               "valid_from: 2025-01-01\nvalid_until: 2025-12-31\n",
               "2025年度城乡居民医保个人缴费标准为每人每年400元。");
    s_index (NULL);
    const char *ids = s_search ("医保缴费标准");
    CHECK (strcmp (ids, "cur-policy") == 0);
    int64_t t;
    CHECK (hl_article_parse_time ("2024-12-31 23:59", 0, &t) == 0);
    ids = s_search_with ("医保缴费标准", NULL, NULL, t);
    CHECK (strcmp (ids, "old-policy") == 0);
    CHECK (hl_article_parse_time ("2025-01-01", 0, &t) == 0);
    CHECK (strcmp (s_search_with ("医保缴费标准", NULL, NULL, t), "cur-policy") == 0);
    CHECK (hl_article_parse_time ("2026-01-01", 0, &t) == 0);
    CHECK (strcmp (s_search_with ("医保缴费标准", NULL, NULL, t), "new-policy") == 0);
    //  Relaxed matching never brings back an invalid article either.
    CHECK (strcmp (s_search ("2024年医保缴费多少钱"), "cur-policy") == 0);
    s_teardown ();
}

static void
test_filters (void)
{
    s_setup ();
    s_article ("a.md", "noise-night", "夜间施工噪音", "zjj", "噪音扰民, 建筑施工", NULL,
               "夜间22点至次日6点禁止产生噪音的建筑施工作业，确需连续施工的要办理夜间施工许可。");
    s_article ("b.md", "noise-shop", "商铺音响噪音", "sthjj", "噪音扰民, 社会生活噪声", NULL,
               "商铺用高音喇叭招揽顾客产生噪音的，由生态环境或城管部门依法处理。");
    s_index (NULL);
    const char *ids = s_search ("噪音");
    CHECK (s_has (ids, "noise-night") && s_has (ids, "noise-shop"));
    CHECK (strcmp (s_search_with ("噪音", "zjj", NULL, NOW), "noise-night") == 0);
    CHECK (strcmp (s_search_with ("噪音", "sthjj", NULL, NOW), "noise-shop") == 0);
    CHECK (strcmp (s_search_with ("噪音", NULL, "社会生活噪声", NOW), "noise-shop") == 0);
    CHECK (strcmp (s_search_with ("噪音", NULL, "建筑施工", NOW), "noise-night") == 0);
    CHECK (strcmp (s_search_with ("噪音", "sthjj", "建筑施工", NOW), "") == 0);
    CHECK (strcmp (s_search_with ("噪音", "gaj", NULL, NOW), "") == 0);
    s_teardown ();
}

static void
test_mixed_script (void)
{
    s_setup ();
    s_article ("vip.md", "vip-refund", "VIP会员退款", "scjgj", "消费投诉", NULL,
               "商家拒绝退还VIP会员费的，可以保留付款凭证向市场监管部门投诉。");
    s_article ("hot.md", "hotline", "12345热线受理范围", "rxzx", "热线", NULL,
               "12345热线受理非紧急的政务服务咨询、求助、投诉、举报和建议。");
    s_article ("bj.md", "beijing", "北京户口迁入", "gaj", "户籍", NULL,
               "从北京迁入本市的，先到迁入地派出所申请准迁证明。");
    s_article ("app.md", "app-login", "粤省事APP登录不了", "zsj", "政务服务", NULL,
               "粤省事app或小程序登录失败，先确认手机号已实名认证，再清除缓存重试。");
    s_index (NULL);
    //  Xapian 1.4.22 throws a parse error on these; they must still work.
    CHECK (s_has (s_search ("abc 北京 def"), "beijing"));
    CHECK (s_first_is (s_search ("vip 退款abc"), "vip-refund"));
    CHECK (s_first_is (s_search ("12345热线"), "hotline"));
    CHECK (s_first_is (s_search ("ＶＩＰ退款"), "vip-refund"));
    CHECK (s_first_is (s_search ("App登录不了"), "app-login"));
    CHECK (s_first_is (s_search ("打12345能投诉吗"), "hotline"));
    //  Queries of nothing but punctuation or filler find nothing, quietly.
    CHECK (strcmp (s_search ("？？？"), "") == 0);
    CHECK (strcmp (s_search ("请问"), "") == 0);
    CHECK (strcmp (s_search (""), "") == 0);
    s_teardown ();
}

static void
test_malformed_file (void)
{
    s_setup ();
    s_base_articles ();
    s_write ("broken.md", "---\nid: broken\ntitle: 坏文章\nunit: rsj\ncategories 社保\n---\n正文\n");
    s_article ("dup.md", "sb-card", "重复的编号", "rsj", "社保", NULL, "重复。");
    hl_kbindex_stats_t st = s_index (NULL);
    CHECK (st.added == 4 && st.rejected == 2);
    char want[2000];
    snprintf (want, sizeof want, "%s/broken.md:5: expected 'key: value' in the header", s_dir);
    CHECK (strstr (s_reports, want));
    //  Of two files with one id, the first in name order keeps it.
    snprintf (want, sizeof want, "%s/dup.md:2: id 'sb-card' is already used by %s/card.md",
              s_dir, s_dir);
    CHECK (strstr (s_reports, want));
    CHECK (s_first_is (s_search ("社保卡激活"), "sb-card"));

    //  A published article whose file gets broken stays until it is fixed.
    s_write ("gjj.md", "---\nid: gjj-withdraw\ntitle: 住房公积金提取\nunit: gjj\n---\n正文\n");
    st = s_index (NULL);
    CHECK (st.kept == 1 && st.deleted == 0);
    CHECK (strstr (s_reports, "gjj.md:5: header lacks the field 'categories'"));
    CHECK (s_first_is (s_search ("公积金提取"), "gjj-withdraw"));
    s_remove ("gjj.md");
    st = s_index (NULL);
    CHECK (st.deleted == 1);

    //  A missing directory is an error for the whole run.
    hl_kbindex_stats_t st2;
    char err[512], missing[700];
    snprintf (missing, sizeof missing, "%s/none", s_root);
    CHECK (hl_kbindex_run (missing, s_db, NULL, NULL, NULL, &st2, err, sizeof err) == -1);
    CHECK (strstr (err, "none"));
    s_teardown ();
}

static void
test_snippets (void)
{
    s_setup ();
    s_base_articles ();
    s_index (NULL);
    char err[512];
    hl_kb_t *kb = hl_kb_new (s_db, err, sizeof err);
    CHECK (kb);
    hl_kb_query_t q = {.now = NOW, .hi_start = "[", .hi_end = "]"};
    hl_kb_results_t *r;
    CHECK (hl_kb_search (kb, "银行网点", &q, &r, err, sizeof err) == 0);
    CHECK (hl_kb_results_size (r) >= 1);
    const hl_kb_hit_t *h = hl_kb_results_hit (r, 0);
    CHECK (strcmp (h->id, "sb-card") == 0);
    CHECK (strstr (h->snippet, "[银行网点]"));
    CHECK (h->strict == 1 && h->weight > 0);
    CHECK (strcmp (h->unit, "rsj") == 0 && strcmp (h->categories, "社保, 社保卡") == 0);
    CHECK (strcmp (h->tags, "启用") == 0 && strcmp (h->source, "card.md") == 0);
    hl_kb_results_destroy (&r);
    //  A lone character of a longer query word (房 of 住房 in 购房) is not
    //  highlighted; the words are; a one-character query word is.
    CHECK (hl_kb_search (kb, "住房公积金提取", &q, &r, err, sizeof err) == 0);
    h = hl_kb_results_size (r) ? hl_kb_results_hit (r, 0) : NULL;
    CHECK (h && strstr (h->snippet, "公积金]") && strstr (h->snippet, "[提取"));
    CHECK (h && strstr (h->snippet, "购房") && !strstr (h->snippet, "[房]"));
    hl_kb_results_destroy (&r);
    CHECK (hl_kb_search (kb, "房 公积金", &q, &r, err, sizeof err) == 0);
    h = hl_kb_results_size (r) ? hl_kb_results_hit (r, 0) : NULL;
    CHECK (h && strstr (h->snippet, "购[房]"));
    hl_kb_results_destroy (&r);
    q.limit = 1;
    CHECK (hl_kb_search (kb, "怎么办", &q, &r, err, sizeof err) == 0);
    CHECK (hl_kb_results_size (r) <= 1);
    hl_kb_results_destroy (&r);
    hl_kb_destroy (&kb);
    s_teardown ();
}

int
main (void)
{
    test_index_and_incremental ();
    test_commit_is_atomic ();
    test_synonyms ();
    test_validity ();
    test_filters ();
    test_mixed_script ();
    test_malformed_file ();
    test_snippets ();
    printf ("test_hl_kb: OK\n");
    return 0;
}
