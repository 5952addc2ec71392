/*  Unit test of hl_o311_post: from a POST body to a Complaint, and every
 *  kind of bad input refused with the field it concerns. */
#include "hl_o311_post.h"
#include "hl_test.h"

static hl_codes_t *s_codes;
static hl_o311_services_t *s_services;
static const hl_o311_key_t s_key = { "city-app", HOTLINE__CHANNEL__CHANNEL_APP, 60, 10 };

static void
s_setup (void)
{
    char err[256];
    s_codes = hl_codes_parse ("codes", "[area]\n441700 市本级\n441702 江城区\n"
                              "[category]\nZJ.03 施工扰民\n", err, sizeof err);
    s_services = hl_o311_services_parse (
        "open311.conf", "[gateway]\ndefault_area = 441700\n"
        "[service N]\nname = 夜间施工噪音\ntype = 投诉\ncategory = ZJ.03\n"
        "attribute = site string required 工地名称\n"
        "attribute = kind multivaluelist optional 来源\n"
        "value = kind piling 打桩\nvalue = kind trucks 渣土车\n"
        "attribute = n number optional 户数\n"
        "attribute = at datetime optional 时间\n", s_codes, err, sizeof err);
    HL_CHECK (s_services != NULL);
}

//  Parse and check BODY: the HTTP status (0 = good), and the message.
static int
s_status (const char *body, char *err, size_t errlen)
{
    hl_o311_post_t *post = hl_o311_post_parse (body, strlen (body), err, errlen);
    if (!post)
        return 400;
    int rc = hl_o311_post_check (post, s_services, err, errlen);
    hl_o311_post_destroy (&post);
    return rc;
}

static void
test_complaint (void)
{
    const char body[] = "api_key=k&service_code=N&attribute%5Bsite%5D=%E4%B8%9C%E9%A3%8E%E8%B7%AF"
                        "&attribute[kind][]=piling&attribute[kind][]=trucks&attribute[area]=441702"
                        "&lat=21.86&long=111.98&description=%E5%90%B5%0A%E5%BE%88%E5%90%B5"
                        "&first_name=%E4%B8%89&last_name=%E5%BC%A0&phone=13800138000"
                        "&device_id=d1&account_id=&media_url=https://x.org/a.jpg&unknown=1";
    char err[256];
    hl_o311_post_t *post = hl_o311_post_parse (body, strlen (body), err, sizeof err);
    HL_CHECK (post != NULL);
    HL_CHECK_STR (hl_o311_post_field (post, "api_key"), "k");
    HL_CHECK (hl_o311_post_field (post, "account_id") == NULL);   //  empty = absent
    HL_CHECK (hl_o311_post_check (post, s_services, err, sizeof err) == 0);
    Hotline__Complaint c;
    Hotline__GeoPoint loc;
    hl_o311_post_complaint (post, &s_key, NULL, 1796342400, &c, &loc);
    HL_CHECK (c.channel == HOTLINE__CHANNEL__CHANNEL_APP);
    HL_CHECK (c.request_type == HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT);
    HL_CHECK_STR ((const char *) c.category.data, "ZJ.03");
    HL_CHECK_STR ((const char *) c.area.data, "441702");
    HL_CHECK_STR ((const char *) c.content.data,
                  "吵\n很吵\n工地名称：东风路\n来源：打桩、渣土车\n图片：https://x.org/a.jpg");
    HL_CHECK_STR ((const char *) c.caller_name.data, "张三");
    HL_CHECK_STR ((const char *) c.caller_phone.data, "13800138000");
    HL_CHECK_STR ((const char *) c.channel_ref.data, "open311 city-app d=d1");
    HL_CHECK (c.location == &loc && loc.lat == 21.86 && loc.lon == 111.98);
    HL_CHECK (!c.anonymous);
    char rid[64];
    snprintf (rid, sizeof rid, "%s", (const char *) c.request_id.data);
    HL_CHECK (strlen (rid) == HL_O311_RID_LEN && strncmp (rid, "o311b", 5) == 0);
    //  The same body the same day: the same key. Another day, or a
    //  client's own id: another.
    hl_o311_post_complaint (post, &s_key, NULL, 1796342400 + 3600, &c, &loc);
    HL_CHECK_STR ((const char *) c.request_id.data, rid);
    hl_o311_post_complaint (post, &s_key, NULL, 1796342400 + 86400, &c, &loc);
    HL_CHECK (strcmp ((const char *) c.request_id.data, rid) != 0);
    hl_o311_post_complaint (post, &s_key, "abc", 1796342400, &c, &loc);
    HL_CHECK (strncmp ((const char *) c.request_id.data, "o311c", 5) == 0);
    hl_o311_post_destroy (&post);
}

//  No phone: anonymous; no area: the default; address_id as the address.
static void
test_defaults (void)
{
    const char body[] = "service_code=N&attribute[site]=x&address_id=A-17&first_name=John"
                        "&last_name=Smith";
    char err[256];
    hl_o311_post_t *post = hl_o311_post_parse (body, strlen (body), err, sizeof err);
    HL_CHECK (post && hl_o311_post_check (post, s_services, err, sizeof err) == 0);
    Hotline__Complaint c;
    Hotline__GeoPoint loc;
    hl_o311_post_complaint (post, &s_key, NULL, 0, &c, &loc);
    HL_CHECK (c.anonymous && !c.has_caller_phone && c.location == NULL);
    HL_CHECK_STR ((const char *) c.area.data, "441700");
    HL_CHECK_STR ((const char *) c.address.data, "地址编号 A-17");
    HL_CHECK_STR ((const char *) c.caller_name.data, "John Smith");
    HL_CHECK_STR ((const char *) c.content.data, "夜间施工噪音\n工地名称：x");
    hl_o311_post_destroy (&post);
}

static void
test_refused (void)
{
    static const struct {
        const char *body;
        int status;
        const char *says;
    } bad[] = {
        { "service_code=N&lat=1&long=2&attribute[site]=x&description=%FF", 400, "description" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&phone=1%002", 400, "form" },
        { "service_code=N&service_code=N", 400, "twice" },
        { "lat=1&long=2", 400, "service_code: required" },
        { "service_code=Q&lat=1&long=2", 404, "no service" },
        { "service_code=N&attribute[site]=x", 400, "location" },
        { "service_code=N&lat=1&attribute[site]=x", 400, "both" },
        { "service_code=N&lat=91&long=2&attribute[site]=x", 400, "WGS84" },
        { "service_code=N&lat=abc&long=2&attribute[site]=x", 400, "WGS84" },
        { "service_code=N&lat=1&long=2", 400, "attribute[site]: required" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[kind]=piling", 400, "[]" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[kind][]=boats", 400,
          "multivaluelist key" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[area]=1", 400, "area" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[n]=many", 400, "number" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[at]=today", 400, "datetime" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[colour]=red", 400,
          "no such attribute" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&attribute[site]=y", 400, "twice" },
        { "service_code=N&lat=1&long=2&attribute[site=x", 400, "attribute[CODE]" },
        { "service_code=N&lat=1&long=2&attribute[site]=a%0Ab", 400, "string" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&email=nobody", 400, "email" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&media_url=ftp://x", 400, "media_url" },
        { "service_code=N&lat=1&long=2&attribute[site]=x&device_id=0123456789012345678901234",
          400, "device_id" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        int status = s_status (bad[i].body, err, sizeof err);
        if (status != bad[i].status || !strstr (err, bad[i].says)) {
            fprintf (stderr, "case %zu: %d '%s' (want %d, '%s')\n", i, status, err,
                     bad[i].status, bad[i].says);
            HL_CHECK (0);
        }
    }
}

//  A description of exactly 4,000 characters passes, one more does not.
static void
test_description_limit (void)
{
    static char body[40000];
    char *p = body + sprintf (body, "service_code=N&lat=1&long=2&attribute[site]=x&description=");
    for (int i = 0; i < 4000; i++)
        p += sprintf (p, "%%E4%%B8%%AD");
    char err[256];
    HL_CHECK (s_status (body, err, sizeof err) == 0);
    sprintf (p, "x");
    HL_CHECK (s_status (body, err, sizeof err) == 400 && strstr (err, "4000 characters"));
}

static const hl_test_case_t s_cases[] = {
    { "complaint", test_complaint }, { "defaults", test_defaults }, { "refused", test_refused },
    { "description_limit", test_description_limit }, { NULL, NULL }
};

int
main (int argc, char **argv)
{
    s_setup ();
    int rc = hl_test_main (s_cases, argc, argv);
    hl_o311_services_destroy (&s_services);
    hl_codes_destroy (&s_codes);
    return rc;
}
