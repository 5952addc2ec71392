/*  Unit test of hl_o311_doc: one description, XML and JSON that agree,
 *  and text that cannot break either. */
#include "hl_o311_doc.h"
#include "hl_test.h"

static void
s_services (hl_o311_doc_t *doc)
{
    hl_o311_doc_list (doc, "services", "service");
    hl_o311_doc_object (doc, NULL);
    hl_o311_doc_str (doc, "service_code", "001");
    hl_o311_doc_bool (doc, "metadata", 1);
    hl_o311_doc_str (doc, "group", NULL);
    hl_o311_doc_list (doc, "values", "value");
    hl_o311_doc_str (doc, NULL, "a");
    hl_o311_doc_int (doc, NULL, 7);
    hl_o311_doc_end (doc);
    hl_o311_doc_coord (doc, "lat", 21.5);
    hl_o311_doc_end (doc);
    hl_o311_doc_end (doc);
}

static void
test_shapes (void)
{
    hl_o311_doc_t *xml = hl_o311_doc_new (1), *json = hl_o311_doc_new (0);
    s_services (xml);
    s_services (json);
    HL_CHECK_STR (hl_o311_doc_data (xml, NULL),
                  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service>"
                  "<service_code>001</service_code><metadata>true</metadata><group></group>"
                  "<values><value>a</value><value>7</value></values><lat>21.5000000</lat>"
                  "</service></services>\n");
    HL_CHECK_STR (hl_o311_doc_data (json, NULL),
                  "[{\"service_code\":\"001\",\"metadata\":true,\"group\":null,"
                  "\"values\":[\"a\",7],\"lat\":21.5000000}]\n");
    HL_CHECK (strstr (hl_o311_doc_type (xml), "text/xml") != NULL);
    HL_CHECK (strstr (hl_o311_doc_type (json), "application/json") != NULL);
    hl_o311_doc_destroy (&xml);
    hl_o311_doc_destroy (&json);
    HL_CHECK (xml == NULL);
}

//  Markup, quotes, a bare CR, control characters and a stray byte: XML
//  stays well-formed, JSON escapes.
static void
test_escaping (void)
{
    const char text[] = "<b>\"A&B's\"</b>\r\n\x01\xff 中";
    hl_o311_doc_t *xml = hl_o311_doc_new (1), *json = hl_o311_doc_new (0);
    hl_o311_doc_object (xml, "r");
    hl_o311_doc_str (xml, "d", text);
    hl_o311_doc_end (xml);
    HL_CHECK (strstr (hl_o311_doc_data (xml, NULL),
                      "<d>&lt;b&gt;&quot;A&amp;B&apos;s&quot;&lt;/b&gt;&#13;\n"
                      "\xEF\xBF\xBD\xEF\xBF\xBD 中</d>") != NULL);
    hl_o311_doc_object (json, "r");
    hl_o311_doc_str (json, "d", "a\"b\\c\n");
    hl_o311_doc_end (json);
    HL_CHECK_STR (hl_o311_doc_data (json, NULL), "{\"d\":\"a\\\"b\\\\c\\n\"}\n");
    hl_o311_doc_destroy (&xml);
    hl_o311_doc_destroy (&json);
}

static void
test_error (void)
{
    hl_o311_doc_t *xml = hl_o311_doc_new (1), *json = hl_o311_doc_new (0);
    hl_o311_doc_error (xml, 403, "api_key: <missing>");
    hl_o311_doc_error (json, 403, "api_key: missing");
    HL_CHECK (strstr (hl_o311_doc_data (xml, NULL), "<errors><error><code>403</code>"
                      "<description>api_key: &lt;missing&gt;</description></error></errors>"));
    HL_CHECK_STR (hl_o311_doc_data (json, NULL),
                  "[{\"code\":403,\"description\":\"api_key: missing\"}]\n");
    hl_o311_doc_destroy (&xml);
    hl_o311_doc_destroy (&json);
}

static const hl_test_case_t s_cases[] = {
    { "shapes", test_shapes }, { "escaping", test_escaping }, { "error", test_error },
    { NULL, NULL }
};

int
main (int argc, char **argv)
{
    return hl_test_main (s_cases, argc, argv);
}
