/*  Unit test of hl_o311_services: the service file, its checks against
 *  the code catalogue, and the area attribute every service gets. */
#include "hl_o311_services.h"
#include "hl_test.h"
#include "hotline.pb-c.h"

static const char s_codes[] =
    "[area]\n441700 市本级\n441702 江城区\n"
    "[category]\nZJ.03 住房城建/建筑施工扰民\nCG.01 城市管理/占道经营\n";

static const char s_file[] =
    "[gateway]\ncontact = 12345\ndefault_area = 441700\n"
    "[service ZJ-NOISE]\nname = 夜间施工噪音\ntype = 投诉\ncategory = ZJ.03\n"
    "attribute = site string required 工地名称\n"
    "attribute = kind multivaluelist optional 来源\n"
    "value = kind piling 打桩\nvalue = kind trucks 渣土车\n"
    "[service CG-STALL]\nname = 占道经营\ntype = complaint\ncategory = CG.01\n";

static hl_codes_t *
s_catalogue (void)
{
    char err[256];
    hl_codes_t *codes = hl_codes_parse ("codes", s_codes, err, sizeof err);
    HL_CHECK (codes != NULL);
    return codes;
}

static void
test_load (void)
{
    char err[256];
    hl_codes_t *codes = s_catalogue ();
    hl_o311_services_t *sv = hl_o311_services_parse ("open311.conf", s_file, codes, err,
                                                     sizeof err);
    HL_CHECK (sv != NULL);
    if (!sv) {
        fprintf (stderr, "%s\n", err);
        hl_codes_destroy (&codes);
        return;
    }
    HL_CHECK (hl_o311_services_count (sv) == 2);
    const hl_o311_service_t *s = hl_o311_services_find (sv, "ZJ-NOISE");
    HL_CHECK (s && s->request_type == HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT);
    HL_CHECK_STR (s->category, "ZJ.03");
    HL_CHECK (s->n_attrs == 3);
    HL_CHECK (s->attrs[0].required && s->attrs[0].datatype == HL_O311_STRING);
    HL_CHECK (s->attrs[1].n_values == 2 && strcmp (s->attrs[1].values[1].name, "渣土车") == 0);
    //  The area, from the catalogue, optional since there is a default.
    const hl_o311_attr_t *area = hl_o311_service_attr (s, HL_O311_AREA_ATTR);
    HL_CHECK (area && area == &s->attrs[2] && !area->required && area->n_values == 2);
    HL_CHECK_STR (area->values[1].key, "441702");
    HL_CHECK (hl_o311_services_match (sv, HOTLINE__REQUEST_TYPE__REQUEST_COMPLAINT, "CG.01")
              == hl_o311_services_find (sv, "CG-STALL"));
    HL_CHECK (hl_o311_services_match (sv, HOTLINE__REQUEST_TYPE__REQUEST_HELP, "CG.01") == NULL);
    HL_CHECK_STR (hl_o311_services_setting (sv, "contact"), "12345");
    HL_CHECK_STR (hl_o311_services_setting (sv, "key_service"), "");
    HL_CHECK_STR (hl_o311_datatype_name (HL_O311_MULTI), "multivaluelist");
    hl_o311_services_destroy (&sv);
    HL_CHECK (sv == NULL);
    hl_codes_destroy (&codes);
}

//  Each mistake is refused with the line that holds it.
static void
test_refused (void)
{
    static const struct {
        const char *text;
        const char *says;
    } bad[] = {
        { "[service A]\nname = a\ntype = 投诉\ncategory = XX.99\n", "category" },
        { "[service A]\nname = a\ntype = 吐槽\ncategory = CG.01\n", "type" },
        { "[service A]\nname = a\ncategory = CG.01\n", "needs name, type and category" },
        { "[service A]\nname = a\ntype = 投诉\ncategory = CG.01\n"
          "attribute = x colour required 颜色\n", "datatype" },
        { "[service A]\nname = a\ntype = 投诉\ncategory = CG.01\n"
          "attribute = area string required 区域\n", "gateway's own" },
        { "[service A]\nname = a\ntype = 投诉\ncategory = CG.01\n"
          "attribute = x singlevaluelist required 选择\n", "no value lines" },
        { "[service A]\nname = a\ntype = 投诉\ncategory = CG.01\nvalue = x k v\n",
          "not a list attribute" },
        { "[gateway]\ndefault_area = 999999\n[service A]\nname = a\ntype = 投诉\n"
          "category = CG.01\n", "default_area" },
        { "[gateway]\ncontact = x\n", "no [service" },
        { "[service A]\nname = a\n[service B]\nname = b\n[service A]\nname = c\n", "twice" },
        { "[services A]\nname = a\n", "outside" },
    };
    hl_codes_t *codes = s_catalogue ();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        hl_o311_services_t *sv = hl_o311_services_parse ("f", bad[i].text, codes, err,
                                                         sizeof err);
        HL_CHECK (sv == NULL);
        if (!strstr (err, bad[i].says)) {
            fprintf (stderr, "case %zu: '%s' does not say '%s'\n", i, err, bad[i].says);
            HL_CHECK (0);
        }
        hl_o311_services_destroy (&sv);
    }
    hl_codes_destroy (&codes);
}

//  Without a default area, the area attribute is required.
static void
test_area_required (void)
{
    char err[256];
    hl_codes_t *codes = s_catalogue ();
    hl_o311_services_t *sv = hl_o311_services_parse (
        "f", "[service A]\nname = a\ntype = 投诉\ncategory = CG.01\n", codes, err, sizeof err);
    HL_CHECK (sv != NULL);
    if (sv) {
        const hl_o311_service_t *s = hl_o311_services_at (sv, 0);
        HL_CHECK (s->n_attrs == 1 && s->attrs[0].required);
    }
    hl_o311_services_destroy (&sv);
    hl_codes_destroy (&codes);
}

static const hl_test_case_t s_cases[] = {
    { "load", test_load }, { "refused", test_refused }, { "area_required", test_area_required },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
