/*  hl_xapian: the knowledge base's full-text index. See hl_xapian.h.

    Xapian 1.4.22 notes that shape this file:
    - FLAG_CJK_NGRAM must be set on both the TermGenerator and the
      QueryParser; a CJK span becomes its unigrams and bigrams, and the
      parser always ANDs those, whatever the default operator.
    - The parser throws QueryParserError on some mixed Latin/CJK input
      ("abc 北京 def"); we then parse chunk by chunk.
    - FLAG_AUTO_SYNONYMS ignores CJK spans, so synonym groups are found in
      the query text here and expanded with OP_SYNONYM.
    - MSet::snippet highlights CJK matches per character; adjacent
      highlights are merged, and a lone highlighted character is not
      highlighted unless the query has it as a word of its own.
*/
#include "hl_xapian.h"

#include <xapian.h>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

//  Value slots of an article document.
enum {
    SLOT_VALID_FROM = 0,
    SLOT_VALID_UNTIL = 1,
    SLOT_CHECKSUM = 2,
    SLOT_TITLE = 3,
    SLOT_UNIT = 4,
    SLOT_CATEGORIES = 5,
    SLOT_TAGS = 6,
    SLOT_UPDATED = 7,
    SLOT_SOURCE = 8,
    SLOT_ID = 9
};

//  Term prefixes (boolean terms).
static const char PREFIX_ID[] = "Q";
static const char PREFIX_UNIT[] = "XU";
static const char PREFIX_CATEGORY[] = "XC";
//  Free-text prefix of the subject: title and tags, the words that say
//  what an article is about, as opposed to what it mentions.
static const char PREFIX_SUBJECT[] = "S";

//  Within-document frequency increments: a word in the title counts as
//  much as several in the body, tags and categories somewhat more.
static const unsigned WDF_TITLE = 5;
static const unsigned WDF_TAGS = 3;
static const unsigned WDF_CATEGORIES = 2;
static const unsigned WDF_BODY = 1;

//  In the relaxed pass a single Chinese character says little on its own.
static const double UNIGRAM_WEIGHT = 0.25;
//  ... and only counts if it occurs in at most this share of articles.
static const double UNIGRAM_SHARE_MAX = 0.1;
//  In the subject boost a single character counts in full, but only if at
//  most this share of articles has it in title or tags: a common one (证,
//  办, 保) adds the same little to thousands of articles, yet every one of
//  them has to be looked up, and it is what made the relaxed pass slow on
//  a large index (100,000 articles: p99 18-25 ms).
static const double SUBJECT_UNIGRAM_SHARE_MAX = 0.05;
//  The relaxed pass keeps only this many of the query's words, the most
//  selective (OP_ELITE_SET, by their highest possible weight): a long
//  colloquial question otherwise walks a long posting list per character
//  pair, most of them pairs that straddle two words. Five keeps the
//  evaluation figures (kb-eval, both sets) and more than halves the
//  100,000-article p99; six costs 20 % more time for no gain in them.
static const Xapian::termcount RELAXED_WORDS_MAX = 5;
//  Weight of a match in the subject, on top of the match in all text.
static const double SUBJECT_WEIGHT = 1.0;

static const unsigned QP_FLAGS = Xapian::QueryParser::FLAG_DEFAULT
                               | Xapian::QueryParser::FLAG_CJK_NGRAM;

//  Words callers wrap their question in. They are cut out of the query
//  text before parsing, so that "公积金怎么取出来" is matched as
//  "公积金 取出来" rather than needing the bigram 金怎 to occur.
static const char *const s_stop_phrases[] = {
    "请问一下", "请问", "问一下", "想问问", "想问", "咨询一下", "咨询下",
    "怎么办理", "怎么办", "怎么样", "怎么弄", "怎么搞", "怎么", "怎样",
    "如何", "什么", "哪里", "哪儿", "哪个", "哪些", "能不能", "可不可以",
    "可以", "是不是", "有没有", "要不要", "我想", "我要", "我们", "我家",
    "我的", "你们", "你好", "您好", "一下", "的话", "需要", "应该",
    "吗", "呢", "啊", "吧", "呀", "嘛", "哦", "？", "?", "！", "!",
    "，", "。", "、", NULL
};

//  Single characters too common to rank by in the relaxed pass.
static const char *const s_stop_chars[] = {
    "的", "了", "我", "你", "他", "她", "是", "在", "有", "和", "就", "不",
    "也", "都", "要", "去", "说", "这", "那", "个", "么", "怎", "吗", "呢",
    "能", "会", "把", "被", "给", "让", "还", "没", "很", "得", "着", "过",
    "啥", "咋", "谁", "几", "多", "些", "一", "上", "下", "里", "办", NULL
};

struct hl_kb_writer {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
};

struct hl_kb {
    Xapian::Database db;
    std::string path;
    //  word -> the other words of its synonym group
    std::unordered_map<std::string, std::vector<std::string>> synonyms;
    size_t synonym_chars_max;
    Xapian::rev revision;
};

//  Owns the strings a hl_kb_hit_t points into.
struct s_hit_store {
    std::string id, title, unit, categories, tags, updated, source, body,
                snippet;
    double weight;
    int strict;
};

struct hl_kb_results {
    std::vector<s_hit_store> store;
    std::vector<hl_kb_hit_t> hits;
};

//  ---------------------------------------------------------------------
//  Error handling: every exported function runs its body through s_guard,
//  so no exception ever reaches C.

static void
s_set_err (char *err, size_t errlen, const std::string &msg)
{
    if (err && errlen) {
        size_t n = std::min (msg.size (), errlen - 1);
        memcpy (err, msg.data (), n);
        err[n] = 0;
    }
}

static int
s_guard (char *err, size_t errlen, const std::function<void ()> &body)
{
    try {
        body ();
        return 0;
    }
    catch (const Xapian::Error &e) {
        s_set_err (err, errlen, e.get_description ());
    }
    catch (const std::exception &e) {
        s_set_err (err, errlen, e.what ());
    }
    catch (...) {
        s_set_err (err, errlen, "unknown error in the search library");
    }
    return -1;
}

//  ---------------------------------------------------------------------
//  Text helpers

//  Number of bytes of the UTF-8 sequence starting with byte C (1 for
//  anything malformed, so a walk always advances).
static size_t
s_utf8_len (unsigned char c)
{
    if (c >= 0xF0 && c < 0xF8)
        return 4;
    if (c >= 0xE0)
        return c < 0xF0 ? 3 : 1;
    if (c >= 0xC0)
        return 2;
    return 1;
}

//  Fold text the way it is both indexed and searched: full-width ASCII
//  forms (ＡＢＣ１２３) and the ideographic space become plain ASCII, and
//  ASCII letters become lower case, so that synonym matching and terms
//  agree whichever input method the caller used.
static std::string
s_normalize (const char *text)
{
    std::string out;
    size_t len = strlen (text);
    out.reserve (len);
    for (size_t i = 0; i < len;) {
        const unsigned char *p = (const unsigned char *) text + i;
        size_t n = std::min (s_utf8_len (p[0]), len - i);
        unsigned cp = n == 3 ? ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu)
                             : p[0];
        if (n == 3 && cp >= 0xFF01 && cp <= 0xFF5E)
            cp = cp - 0xFF01 + 0x21;
        else
        if (n == 3 && cp == 0x3000)
            cp = ' ';
        else
        if (n != 1) {
            out.append (text + i, n);
            i += n;
            continue;
        }
        out += (char) (cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp);
        i += n;
    }
    return out;
}

static bool
s_is_ascii_alnum (char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

//  Replace every occurrence of WHAT in TEXT with a space.
static void
s_blank_out (std::string &text, const char *what)
{
    size_t wlen = strlen (what);
    for (size_t at = text.find (what); at != std::string::npos;
         at = text.find (what, at + 1))
        text.replace (at, wlen, " ");
}

//  True if TERM is one CJK character (a unigram of the n-gram indexer).
static bool
s_is_cjk_unigram (const std::string &term)
{
    return term.size () == 3 && s_utf8_len ((unsigned char) term[0]) == 3
        && (unsigned char) term[0] >= 0xE3;
}

static bool
s_in_list (const char *const *list, const std::string &word)
{
    for (; *list; list++)
        if (word == *list)
            return true;
    return false;
}

//  Join LIST[0..size) with ", ".
static std::string
s_join (const char *const *list, size_t size)
{
    std::string out;
    for (size_t i = 0; i < size; i++) {
        if (i)
            out += ", ";
        out += list[i];
    }
    return out;
}

//  ---------------------------------------------------------------------
//  Writer

static void
s_writer_setup (hl_kb_writer_t *self)
{
    self->tg.set_flags (Xapian::TermGenerator::FLAG_CJK_NGRAM);
    self->db.begin_transaction (true);
}

hl_kb_writer_t *
hl_kb_writer_new (const char *path, char *err, size_t errlen)
{
    assert (path);
    hl_kb_writer_t *self = NULL;
    int rc = s_guard (err, errlen, [&] {
        self = new hl_kb_writer ();
        self->db = Xapian::WritableDatabase (path, Xapian::DB_CREATE_OR_OPEN);
        s_writer_setup (self);
    });
    if (rc) {
        delete self;
        self = NULL;
    }
    return self;
}

void
hl_kb_writer_destroy (hl_kb_writer_t **self_p)
{
    assert (self_p);
    hl_kb_writer_t *self = *self_p;
    if (!self)
        return;
    s_guard (NULL, 0, [&] {
        self->db.cancel_transaction ();
    });
    s_guard (NULL, 0, [&] {
        self->db.close ();
    });
    delete self;
    *self_p = NULL;
}

//  Index TEXT with the given weight, keeping phrases from spanning fields.
static void
s_index_field (Xapian::TermGenerator &tg, const char *text, unsigned wdf, bool subject)
{
    if (text && *text) {
        std::string normal = s_normalize (text);
        tg.index_text (normal, wdf);
        if (subject)
            tg.index_text (normal, 1, PREFIX_SUBJECT);
        tg.increase_termpos (100);
    }
}

int
hl_kb_writer_put (hl_kb_writer_t *self, const hl_kb_doc_t *doc,
                  char *err, size_t errlen)
{
    assert (self && doc);
    if (!doc->id || !*doc->id || !doc->title || !doc->unit || !doc->body) {
        s_set_err (err, errlen, "article needs id, title, unit and body");
        return -1;
    }
    return s_guard (err, errlen, [&] {
        Xapian::Document d;
        self->tg.set_document (d);
        s_index_field (self->tg, doc->title, WDF_TITLE, true);
        for (size_t i = 0; i < doc->tags_size; i++)
            s_index_field (self->tg, doc->tags[i], WDF_TAGS, true);
        for (size_t i = 0; i < doc->categories_size; i++) {
            s_index_field (self->tg, doc->categories[i], WDF_CATEGORIES, false);
            d.add_boolean_term (PREFIX_CATEGORY + std::string (doc->categories[i]));
        }
        s_index_field (self->tg, doc->body, WDF_BODY, false);

        std::string idterm = PREFIX_ID + std::string (doc->id);
        d.add_boolean_term (idterm);
        d.add_boolean_term (PREFIX_UNIT + std::string (doc->unit));
        double until = doc->valid_until ? (double) doc->valid_until : 9e18;
        d.add_value (SLOT_VALID_FROM, Xapian::sortable_serialise ((double) doc->valid_from));
        d.add_value (SLOT_VALID_UNTIL, Xapian::sortable_serialise (until));
        d.add_value (SLOT_CHECKSUM, doc->checksum ? doc->checksum : "");
        d.add_value (SLOT_TITLE, doc->title);
        d.add_value (SLOT_UNIT, doc->unit);
        d.add_value (SLOT_CATEGORIES, s_join (doc->categories, doc->categories_size));
        d.add_value (SLOT_TAGS, s_join (doc->tags, doc->tags_size));
        d.add_value (SLOT_UPDATED, doc->updated ? doc->updated : "");
        d.add_value (SLOT_SOURCE, doc->source ? doc->source : "");
        d.add_value (SLOT_ID, doc->id);
        d.set_data (doc->body);
        self->db.replace_document (idterm, d);
    });
}

int
hl_kb_writer_delete (hl_kb_writer_t *self, const char *id,
                     char *err, size_t errlen)
{
    assert (self && id);
    return s_guard (err, errlen, [&] {
        self->db.delete_document (PREFIX_ID + std::string (id));
    });
}

int
hl_kb_writer_each (hl_kb_writer_t *self, hl_kb_stored_fn *fn, void *arg,
                   char *err, size_t errlen)
{
    assert (self && fn);
    return s_guard (err, errlen, [&] {
        //  Collect first: FN may change the database.
        std::vector<std::string> ids;
        for (auto t = self->db.allterms_begin (PREFIX_ID);
             t != self->db.allterms_end (PREFIX_ID); ++t)
            ids.push_back (*t);
        for (const std::string &term: ids) {
            auto p = self->db.postlist_begin (term);
            if (p == self->db.postlist_end (term))
                continue;
            Xapian::Document d = self->db.get_document (*p);
            std::string sum = d.get_value (SLOT_CHECKSUM);
            std::string source = d.get_value (SLOT_SOURCE);
            if (fn (term.c_str () + strlen (PREFIX_ID), sum.c_str (),
                    source.c_str (), arg))
                break;
        }
    });
}

int
hl_kb_writer_clear_synonyms (hl_kb_writer_t *self, char *err, size_t errlen)
{
    assert (self);
    return s_guard (err, errlen, [&] {
        std::vector<std::string> keys (self->db.synonym_keys_begin (),
                                       self->db.synonym_keys_end ());
        for (const std::string &key: keys)
            self->db.clear_synonyms (key);
    });
}

int
hl_kb_writer_add_synonyms (hl_kb_writer_t *self, const char *const *words,
                           size_t size, char *err, size_t errlen)
{
    assert (self && (words || !size));
    return s_guard (err, errlen, [&] {
        std::vector<std::string> group;
        for (size_t i = 0; i < size; i++) {
            std::string w = s_normalize (words[i]);
            if (!w.empty () && std::find (group.begin (), group.end (), w) == group.end ())
                group.push_back (w);
        }
        for (const std::string &a: group)
            for (const std::string &b: group)
                if (a != b)
                    self->db.add_synonym (a, b);
    });
}

int
hl_kb_writer_get_meta (hl_kb_writer_t *self, const char *key, char **value,
                       char *err, size_t errlen)
{
    assert (self && key && value);
    *value = NULL;
    return s_guard (err, errlen, [&] {
        std::string v = self->db.get_metadata (key);
        char *copy = (char *) malloc (v.size () + 1);
        if (!copy)
            throw std::bad_alloc ();
        memcpy (copy, v.c_str (), v.size () + 1);
        *value = copy;
    });
}

int
hl_kb_writer_set_meta (hl_kb_writer_t *self, const char *key,
                       const char *value, char *err, size_t errlen)
{
    assert (self && key && value);
    return s_guard (err, errlen, [&] {
        self->db.set_metadata (key, value);
    });
}

int
hl_kb_writer_commit (hl_kb_writer_t *self, char *err, size_t errlen)
{
    assert (self);
    return s_guard (err, errlen, [&] {
        self->db.commit_transaction ();
        self->db.begin_transaction (true);
    });
}

//  ---------------------------------------------------------------------
//  Reader

//  Load the synonym table into memory; queries look words up in it for
//  every position of the query text.
static void
s_load_synonyms (hl_kb_t *self)
{
    self->synonyms.clear ();
    self->synonym_chars_max = 0;
    for (auto k = self->db.synonym_keys_begin (); k != self->db.synonym_keys_end (); ++k) {
        std::vector<std::string> &alts = self->synonyms[*k];
        for (auto s = self->db.synonyms_begin (*k); s != self->db.synonyms_end (*k); ++s)
            alts.push_back (*s);
        size_t chars = 0;
        for (size_t i = 0; i < (*k).size (); i += s_utf8_len ((unsigned char) (*k)[i]))
            chars++;
        self->synonym_chars_max = std::max (self->synonym_chars_max, chars);
    }
    self->revision = self->db.get_revision ();
}

hl_kb_t *
hl_kb_new (const char *path, char *err, size_t errlen)
{
    assert (path);
    hl_kb_t *self = NULL;
    int rc = s_guard (err, errlen, [&] {
        self = new hl_kb ();
        self->path = path;
        self->db = Xapian::Database (path);
        s_load_synonyms (self);
    });
    if (rc) {
        delete self;
        self = NULL;
    }
    return self;
}

void
hl_kb_destroy (hl_kb_t **self_p)
{
    assert (self_p);
    delete *self_p;
    *self_p = NULL;
}

//  Move to the latest commit; the synonym table is read again only when
//  the index changed.
static void
s_reopen (hl_kb_t *self)
{
    self->db.reopen ();
    if (self->db.get_revision () != self->revision)
        s_load_synonyms (self);
}

int
hl_kb_reopen (hl_kb_t *self, char *err, size_t errlen)
{
    assert (self);
    return s_guard (err, errlen, [&] {
        s_reopen (self);
    });
}

size_t
hl_kb_size (hl_kb_t *self)
{
    assert (self);
    size_t size = 0;
    s_guard (NULL, 0, [&] {
        size = self->db.get_doccount ();
    });
    return size;
}

//  A piece of the query text: either plain text or a word with synonyms.
struct s_segment {
    std::string text;
    const std::vector<std::string> *alternatives;
};

//  The synonym group word starting at TEXT[at], longest first, or NULL.
//  Latin words only match whole (no "app" inside "apple").
static const std::string *
s_synonym_at (const hl_kb_t *self, const std::string &text, size_t at, size_t *len)
{
    size_t ends[64];
    size_t n = 0;
    for (size_t i = at; i < text.size () && n < self->synonym_chars_max && n < 64;) {
        i += s_utf8_len ((unsigned char) text[i]);
        ends[n++] = std::min (i, text.size ());
    }
    while (n--) {
        auto it = self->synonyms.find (text.substr (at, ends[n] - at));
        if (it == self->synonyms.end ())
            continue;
        const std::string &word = it->first;
        bool latin_start = s_is_ascii_alnum (word.front ());
        bool latin_end = s_is_ascii_alnum (word.back ());
        if ((latin_start && at > 0 && s_is_ascii_alnum (text[at - 1]))
        ||  (latin_end && ends[n] < text.size () && s_is_ascii_alnum (text[ends[n]])))
            continue;
        *len = ends[n] - at;
        return &word;
    }
    return NULL;
}

//  Split TEXT into plain pieces and synonym words.
static std::vector<s_segment>
s_segment_text (const hl_kb_t *self, const std::string &text)
{
    std::vector<s_segment> segments;
    std::string plain;
    for (size_t at = 0; at < text.size ();) {
        size_t len = 0;
        const std::string *word = s_synonym_at (self, text, at, &len);
        if (word) {
            if (!plain.empty ())
                segments.push_back ({plain, NULL});
            plain.clear ();
            segments.push_back ({*word, &self->synonyms.at (*word)});
            at += len;
        }
        else {
            size_t n = s_utf8_len ((unsigned char) text[at]);
            plain.append (text, at, n);
            at += n;
        }
    }
    if (!plain.empty ())
        segments.push_back ({plain, NULL});
    return segments;
}

//  Combine QUERIES with OP, skipping empty ones.
static Xapian::Query
s_combine (Xapian::Query::op op, const std::vector<Xapian::Query> &queries)
{
    std::vector<Xapian::Query> parts;
    for (const Xapian::Query &q: queries)
        if (!q.empty ())
            parts.push_back (q);
    if (parts.size () == 1)
        return parts[0];
    return Xapian::Query (op, parts.begin (), parts.end ());
}

//  Parse plain text. Xapian 1.4.22 throws on some mixed Latin/CJK input;
//  then each whitespace-separated chunk is parsed on its own, and a chunk
//  that still fails is dropped.
static Xapian::Query
s_parse (Xapian::QueryParser &qp, const std::string &text, const std::string &prefix)
{
    try {
        return qp.parse_query (text, QP_FLAGS, prefix);
    }
    catch (const Xapian::QueryParserError &) {
    }
    std::vector<Xapian::Query> parts;
    size_t at = 0;
    while (at < text.size ()) {
        size_t start = text.find_first_not_of (" \t\r\n", at);
        if (start == std::string::npos)
            break;
        size_t end = text.find_first_of (" \t\r\n", start);
        if (end == std::string::npos)
            end = text.size ();
        try {
            parts.push_back (qp.parse_query (text.substr (start, end - start), QP_FLAGS, prefix));
        }
        catch (const Xapian::QueryParserError &) {
        }
        at = end;
    }
    return s_combine (Xapian::Query::OP_AND, parts);
}

//  TEXT without whitespace-separated chunks that are a single common
//  character (the "了" left over from "身份证被偷了" once the synonym
//  word is cut out would otherwise have to match too).
static std::string
s_drop_stop_chunks (const std::string &text)
{
    std::string out;
    size_t at = 0;
    while (at < text.size ()) {
        size_t start = text.find_first_not_of (" \t\r\n", at);
        if (start == std::string::npos)
            break;
        size_t end = text.find_first_of (" \t\r\n", start);
        if (end == std::string::npos)
            end = text.size ();
        std::string chunk = text.substr (start, end - start);
        if (!s_in_list (s_stop_chars, chunk))
            out += (out.empty () ? "" : " ") + chunk;
        at = end;
    }
    return out;
}

//  The strict query: every piece of the text must match; a synonym word
//  matches any word of its group.
static Xapian::Query
s_strict_query (const hl_kb_t *self, Xapian::QueryParser &qp, const std::string &text,
                const std::string &prefix)
{
    std::vector<Xapian::Query> parts;
    for (const s_segment &seg: s_segment_text (self, text)) {
        if (seg.alternatives) {
            std::vector<Xapian::Query> alts;
            alts.push_back (s_parse (qp, seg.text, prefix));
            for (const std::string &alt: *seg.alternatives)
                alts.push_back (s_parse (qp, alt, prefix));
            parts.push_back (s_combine (Xapian::Query::OP_SYNONYM, alts));
        }
        else {
            std::string plain = seg.text;
            for (const char *const *stop = s_stop_phrases; *stop; stop++)
                s_blank_out (plain, *stop);
            plain = s_drop_stop_chunks (plain);
            parts.push_back (s_parse (qp, plain, prefix));
        }
    }
    return s_combine (Xapian::Query::OP_AND, parts);
}

//  Share of the articles in DB that have TERM.
static double
s_share (const Xapian::Database &db, const std::string &term)
{
    return (double) db.get_termfreq (term) / std::max (1u, db.get_doccount ());
}

//  Sort the leaves of Q into PARTS for the relaxed query: words (terms,
//  synonym groups, phrases) as they are, single Chinese characters
//  weighted down, and only if they are rare in DB: a common character adds
//  noise and costs time on a large index, a rare one ("坑") can be all
//  that links a caller's words to the article. Single characters of the
//  subject (title and tags, for the boost) count in full if rare there.
static void
s_relax_leaves (const Xapian::Database &db, const Xapian::Query &q,
                std::vector<Xapian::Query> &parts)
{
    if (q.get_type () == Xapian::Query::OP_AND) {
        for (size_t i = 0; i < q.get_num_subqueries (); i++)
            s_relax_leaves (db, q.get_subquery (i), parts);
        return;
    }
    if (q.get_type () == Xapian::Query::LEAF_TERM) {
        std::string term = *q.get_terms_begin ();
        size_t prefix = strlen (PREFIX_SUBJECT);
        if (term.compare (0, prefix, PREFIX_SUBJECT) == 0
        &&  s_is_cjk_unigram (term.substr (prefix))) {
            if (s_share (db, term) <= SUBJECT_UNIGRAM_SHARE_MAX)
                parts.push_back (q);
            return;
        }
        if (s_is_cjk_unigram (term)) {
            if (s_share (db, term) <= UNIGRAM_SHARE_MAX && !s_in_list (s_stop_chars, term))
                parts.push_back (Xapian::Query (Xapian::Query::OP_SCALE_WEIGHT, q,
                                                UNIGRAM_WEIGHT));
            return;
        }
    }
    parts.push_back (q);
}

//  The relaxed query: any word or rare character of the strict one may
//  match, ranked by relevance. With WORDS_MAX, only that many of them, the
//  ones that can weigh most (the rarest), take part.
static Xapian::Query
s_relax (const Xapian::Database &db, const Xapian::Query &strict,
         Xapian::termcount words_max = 0)
{
    std::vector<Xapian::Query> parts;
    s_relax_leaves (db, strict, parts);
    if (words_max && parts.size () > words_max)
        return Xapian::Query (Xapian::Query::OP_ELITE_SET, parts.begin (), parts.end (),
                              words_max);
    return s_combine (Xapian::Query::OP_OR, parts);
}

//  QUERY, ranked higher where the subject (title, tags) matches too.
static Xapian::Query
s_boost (const Xapian::Query &query, const Xapian::Query &subject)
{
    if (query.empty () || subject.empty ())
        return query;
    return Xapian::Query (Xapian::Query::OP_AND_MAYBE, query,
                          Xapian::Query (Xapian::Query::OP_SCALE_WEIGHT, subject, SUBJECT_WEIGHT));
}

//  Unit, category and validity at NOW.
static Xapian::Query
s_filter (const hl_kb_query_t *options)
{
    int64_t now = options->now ? options->now : (int64_t) time (NULL);
    std::string at = Xapian::sortable_serialise ((double) now);
    std::vector<Xapian::Query> parts;
    parts.push_back (Xapian::Query (Xapian::Query::OP_VALUE_LE, SLOT_VALID_FROM, at));
    parts.push_back (Xapian::Query (Xapian::Query::OP_VALUE_GE, SLOT_VALID_UNTIL, at));
    if (options->unit && *options->unit)
        parts.push_back (Xapian::Query (PREFIX_UNIT + std::string (options->unit)));
    if (options->category && *options->category)
        parts.push_back (Xapian::Query (PREFIX_CATEGORY + std::string (options->category)));
    return s_combine (Xapian::Query::OP_AND, parts);
}

//  Characters (UTF-8 code points) in TEXT.
static size_t
s_codepoints (const std::string &text)
{
    size_t n = 0;
    for (unsigned char c : text)
        n += (c & 0xC0) != 0x80;
    return n;
}

//  True if WORD is one of QUERY's space-separated words.
static bool
s_query_word (const std::string &query, const std::string &word)
{
    size_t at = 0;
    while (at <= query.size ()) {
        size_t space = query.find (' ', at);
        if (space == std::string::npos)
            space = query.size ();
        if (query.compare (at, space - at, word) == 0)
            return true;
        at = space + 1;
    }
    return false;
}

//  Snippets highlight CJK text character by character: join the runs,
//  then drop the highlight of a run of one character (a lone 社 or 医
//  matched by a unigram of a longer word is noise to the agent) unless
//  QUERY has that character as a word of its own.
static std::string
s_tidy_highlights (std::string text, const std::string &start, const std::string &end,
                   const std::string &query)
{
    std::string seam = end + start;
    for (size_t at = text.find (seam); at != std::string::npos; at = text.find (seam, at))
        text.erase (at, seam.size ());
    std::string out;
    size_t at = 0, open;
    while ((open = text.find (start, at)) != std::string::npos) {
        size_t close = text.find (end, open + start.size ());
        if (close == std::string::npos)
            break;
        std::string run = text.substr (open + start.size (), close - open - start.size ());
        out.append (text, at, open - at);
        if (s_codepoints (run) == 1 && !s_query_word (query, run))
            out += run;
        else
            out.append (text, open, close + end.size () - open);
        at = close + end.size ();
    }
    out.append (text, at, std::string::npos);
    return out;
}

//  Run QUERY (from the words TEXT) and append hits not yet in SEEN, up
//  to LIMIT in total.
static void
s_collect (hl_kb_t *self, const Xapian::Query &query, const std::string &text,
           const hl_kb_query_t *options, bool strict, hl_kb_results_t *results,
           std::set<Xapian::docid> &seen)
{
    size_t limit = options->limit ? options->limit : 10;
    size_t bytes = options->snippet_bytes ? options->snippet_bytes : 240;
    std::string hi_start = options->hi_start ? options->hi_start : "<b>";
    std::string hi_end = options->hi_end ? options->hi_end : "</b>";
    if (query.empty () || results->store.size () >= limit)
        return;

    Xapian::Enquire enquire (self->db);
    enquire.set_query (Xapian::Query (Xapian::Query::OP_FILTER, query, s_filter (options)));
    Xapian::MSet mset = enquire.get_mset (0, (Xapian::doccount) (limit + seen.size ()));
    for (auto m = mset.begin (); m != mset.end () && results->store.size () < limit; ++m) {
        if (!seen.insert (*m).second)
            continue;
        Xapian::Document d = m.get_document ();
        s_hit_store h;
        h.id = d.get_value (SLOT_ID);
        h.title = d.get_value (SLOT_TITLE);
        h.unit = d.get_value (SLOT_UNIT);
        h.categories = d.get_value (SLOT_CATEGORIES);
        h.tags = d.get_value (SLOT_TAGS);
        h.updated = d.get_value (SLOT_UPDATED);
        h.source = d.get_value (SLOT_SOURCE);
        h.body = d.get_data ();
        h.snippet = s_tidy_highlights (
            mset.snippet (h.body, bytes, Xapian::Stem (), Xapian::MSet::SNIPPET_CJK_NGRAM,
                          hi_start, hi_end, "..."),
            hi_start, hi_end, text);
        h.weight = m.get_weight ();
        h.strict = strict;
        results->store.push_back (std::move (h));
    }
}

//  Run the strict and then the relaxed pass into R.
static void
s_search (hl_kb_t *self, const char *query, const hl_kb_query_t *options,
          hl_kb_results_t *r)
{
    Xapian::QueryParser qp;
    qp.set_database (self->db);
    qp.set_default_op (Xapian::Query::OP_AND);
    std::string text = s_normalize (query);
    Xapian::Query strict = s_strict_query (self, qp, text, "");
    Xapian::Query subject = s_relax (self->db, s_strict_query (self, qp, text,
                                                               PREFIX_SUBJECT));
    std::set<Xapian::docid> seen;
    s_collect (self, s_boost (strict, subject), text, options, true, r, seen);
    s_collect (self, s_boost (s_relax (self->db, strict, RELAXED_WORDS_MAX), subject),
               text, options, false, r, seen);
}

int
hl_kb_search (hl_kb_t *self, const char *query, const hl_kb_query_t *options,
              hl_kb_results_t **results, char *err, size_t errlen)
{
    assert (self && query && results);
    hl_kb_query_t defaults = {};
    if (!options)
        options = &defaults;
    *results = NULL;
    hl_kb_results_t *r = NULL;
    int rc = s_guard (err, errlen, [&] {
        r = new hl_kb_results ();
        try {
            s_search (self, query, options, r);
        }
        catch (const Xapian::DatabaseModifiedError &) {
            //  The index moved on twice since our last reopen; catch up
            //  and run the search again, once.
            s_reopen (self);
            r->store.clear ();
            s_search (self, query, options, r);
        }
        for (const s_hit_store &h: r->store)
            r->hits.push_back ({h.id.c_str (), h.title.c_str (), h.unit.c_str (),
                                h.categories.c_str (), h.tags.c_str (), h.updated.c_str (),
                                h.source.c_str (), h.body.c_str (), h.snippet.c_str (),
                                h.weight, h.strict});
    });
    if (rc)
        delete r;
    else
        *results = r;
    return rc;
}

size_t
hl_kb_results_size (const hl_kb_results_t *self)
{
    assert (self);
    return self->hits.size ();
}

const hl_kb_hit_t *
hl_kb_results_hit (const hl_kb_results_t *self, size_t index)
{
    assert (self && index < self->hits.size ());
    return &self->hits[index];
}

void
hl_kb_results_destroy (hl_kb_results_t **self_p)
{
    assert (self_p);
    delete *self_p;
    *self_p = NULL;
}

//  ---------------------------------------------------------------------
//  Ticket texts: similar tickets and hotspots

//  Value slots and terms of a ticket document. Its data is the text.
enum {
    TSLOT_CREATED = 0,              //  created_ms, sortable_serialise'd
    TSLOT_TICKET = 1,
    TSLOT_AREA = 2,
    TSLOT_CATEGORY = 3,
    TSLOT_HOTSPOT = 4               //  lead ticket of its hotspot
};
static const char TPREFIX_AREA[] = "XA";
static const char TPREFIX_CATEGORY[] = "XC";
static const char TTERM_OPEN[] = "XO";

//  At most this many of a text's terms, the rarest, make up its query: a
//  bound on the cost of very long texts. Keeping only a few rare terms
//  does not work with n-grams: the rarest are the pairs that straddle two
//  words (点以, 后还), which no other ticket shares.
static const size_t SIMILAR_TERMS_MAX = 160;

//  A typed text is measured one way only (the share of it found in a
//  ticket), which comes out higher than the two-way measure between
//  stored tickets: it must reach this multiple of the least similarity.
static const double SIMILAR_TEXT_FACTOR = 2.0;

//  Character pairs that say how people complain rather than what about.
static const char *const s_ticket_filler[] = {
    "市民", "来电", "反映", "投诉", "举报", "咨询", "要求", "希望", "请求",
    "尽快", "处理", "解决", "相关", "关部", "部门", "问题", "情况", "现在",
    "已经", "一直", "没有", "我们", "他们", "这个", "那个", "什么", "怎么",
    "是否", "可以", "有关", "诉求", "联系", "电话", "请问", "你们", "一下",
    "影响", "严重", "非常", "特别", "无人", "管理", "不到", "至今", NULL
};

struct hl_kb_tickets {
    Xapian::WritableDatabase db;
    Xapian::TermGenerator tg;
};

//  Owns the strings a hl_kb_similar_hit_t points into.
struct s_similar_store {
    std::string ticket, area, category, excerpt, hotspot;
    int64_t created_ms;
    double score;
    int open;
};

struct hl_kb_similar {
    std::vector<s_similar_store> store;
    std::vector<hl_kb_similar_hit_t> hits;
};

hl_kb_tickets_t *
hl_kb_tickets_new (const char *path, char *err, size_t errlen)
{
    assert (path);
    hl_kb_tickets_t *self = NULL;
    int rc = s_guard (err, errlen, [&] {
        self = new hl_kb_tickets ();
        self->db = Xapian::WritableDatabase (path, Xapian::DB_CREATE_OR_OPEN);
        self->tg.set_flags (Xapian::TermGenerator::FLAG_CJK_NGRAM);
    });
    if (rc) {
        delete self;
        self = NULL;
    }
    return self;
}

void
hl_kb_tickets_destroy (hl_kb_tickets_t **self_p)
{
    assert (self_p);
    hl_kb_tickets_t *self = *self_p;
    if (!self)
        return;
    //  close () would commit; uncommitted changes are to be lost instead.
    delete self;
    *self_p = NULL;
}

//  The document id of TICKET, or 0 if it is not stored.
static Xapian::docid
s_ticket_docid (hl_kb_tickets_t *self, const std::string &ticket)
{
    std::string term = PREFIX_ID + ticket;
    auto p = self->db.postlist_begin (term);
    return p == self->db.postlist_end (term) ? 0 : *p;
}

int
hl_kb_tickets_put (hl_kb_tickets_t *self, const hl_kb_ticket_t *ticket,
                   int *hotspot, char *err, size_t errlen)
{
    assert (self && ticket);
    if (hotspot)
        *hotspot = 0;
    if (!ticket->ticket || !*ticket->ticket || !ticket->text
    ||  !ticket->area || !*ticket->area) {
        s_set_err (err, errlen, "ticket needs number, text and area");
        return -1;
    }
    return s_guard (err, errlen, [&] {
        std::string lead;
        Xapian::docid old = s_ticket_docid (self, ticket->ticket);
        if (old)
            lead = self->db.get_document (old).get_value (TSLOT_HOTSPOT);
        std::string category = ticket->category ? ticket->category : "";
        Xapian::Document d;
        self->tg.set_document (d);
        self->tg.index_text (s_normalize (ticket->text));
        std::string idterm = PREFIX_ID + std::string (ticket->ticket);
        d.add_boolean_term (idterm);
        d.add_boolean_term (TPREFIX_AREA + std::string (ticket->area));
        if (!category.empty ())
            d.add_boolean_term (TPREFIX_CATEGORY + category);
        d.add_boolean_term (TTERM_OPEN);
        d.add_value (TSLOT_CREATED, Xapian::sortable_serialise ((double) ticket->created_ms));
        d.add_value (TSLOT_TICKET, ticket->ticket);
        d.add_value (TSLOT_AREA, ticket->area);
        d.add_value (TSLOT_CATEGORY, category);
        if (!lead.empty ())
            d.add_value (TSLOT_HOTSPOT, lead);
        d.set_data (ticket->text);
        self->db.replace_document (idterm, d);
        if (hotspot)
            *hotspot = !lead.empty ();
    });
}

int
hl_kb_tickets_forget (hl_kb_tickets_t *self, const char *ticket,
                      char *err, size_t errlen)
{
    assert (self && ticket);
    return s_guard (err, errlen, [&] {
        Xapian::docid id = s_ticket_docid (self, ticket);
        if (!id)
            return;
        Xapian::Document d = self->db.get_document (id);
        try {
            d.remove_term (TTERM_OPEN);
        }
        catch (const Xapian::InvalidArgumentError &) {
            return;                 //  forgotten already
        }
        self->db.replace_document (id, d);
    });
}

int
hl_kb_tickets_set_hotspot (hl_kb_tickets_t *self, const char *ticket,
                           const char *lead, char *err, size_t errlen)
{
    assert (self && ticket && lead);
    return s_guard (err, errlen, [&] {
        Xapian::docid id = s_ticket_docid (self, ticket);
        if (!id)
            throw Xapian::DocNotFoundError ("ticket " + std::string (ticket)
                                            + " is not in the ticket index");
        Xapian::Document d = self->db.get_document (id);
        d.add_value (TSLOT_HOTSPOT, lead);
        self->db.replace_document (id, d);
    });
}

int
hl_kb_tickets_prune (hl_kb_tickets_t *self, int64_t before_ms, size_t *removed,
                     char *err, size_t errlen)
{
    assert (self);
    if (removed)
        *removed = 0;
    return s_guard (err, errlen, [&] {
        Xapian::Query old (Xapian::Query::OP_VALUE_LE, TSLOT_CREATED,
                           Xapian::sortable_serialise ((double) before_ms - 0.5));
        Xapian::Enquire enquire (self->db);
        enquire.set_weighting_scheme (Xapian::BoolWeight ());
        enquire.set_query (Xapian::Query (Xapian::Query::OP_AND_NOT, old,
                                          Xapian::Query (TTERM_OPEN)));
        Xapian::MSet mset = enquire.get_mset (0, self->db.get_doccount ());
        std::vector<Xapian::docid> ids (mset.begin (), mset.end ());
        for (Xapian::docid id: ids)
            self->db.delete_document (id);
        if (removed)
            *removed = ids.size ();
    });
}

int
hl_kb_tickets_commit (hl_kb_tickets_t *self, char *err, size_t errlen)
{
    assert (self);
    return s_guard (err, errlen, [&] {
        self->db.commit ();
    });
}

size_t
hl_kb_tickets_size (hl_kb_tickets_t *self)
{
    assert (self);
    size_t size = 0;
    s_guard (NULL, 0, [&] {
        size = self->db.get_doccount ();
    });
    return size;
}

//  True if TERM can describe a matter: a Chinese character that is not
//  among the commonest, a pair of characters that is not filler, or a
//  Latin word or number of two characters or more. Boolean terms
//  (upper-case prefix) are left out. Single characters count because
//  paraphrases share far more characters than character pairs (金海湾
//  小区旁边的工地 / 金海湾附近工地), and rarity weights them.
static bool
s_is_matter_term (const std::string &term)
{
    if (term.empty () || (term[0] >= 'A' && term[0] <= 'Z'))
        return false;
    if ((unsigned char) term[0] < 0x80)
        return term.size () >= 2;
    if (s_is_cjk_unigram (term))
        return !s_in_list (s_stop_chars, term);
    return !s_in_list (s_ticket_filler, term);
}

//  A term of a similarity query and its weight.
struct s_weighted_term {
    std::string term;
    double idf;
};

//  The terms describing the matter of the text, rarest first, at most
//  SIMILAR_TERMS_MAX. STORED says whether the text is in the index (its
//  own occurrence is then already counted).
static std::vector<s_weighted_term>
s_matter_terms (hl_kb_tickets_t *self, Xapian::TermIterator begin,
                Xapian::TermIterator end, bool stored)
{
    double docs = (double) self->db.get_doccount () + (stored ? 0 : 1);
    std::vector<s_weighted_term> terms;
    for (auto t = begin; t != end; ++t) {
        if (!s_is_matter_term (*t))
            continue;
        double freq = (double) self->db.get_termfreq (*t) + (stored ? 0 : 1);
        terms.push_back ({*t, log (1.0 + docs / std::max (1.0, freq))});
    }
    std::sort (terms.begin (), terms.end (),
               [] (const s_weighted_term &a, const s_weighted_term &b) {
                   return a.idf != b.idf ? a.idf > b.idf : a.term < b.term;
               });
    if (terms.size () > SIMILAR_TERMS_MAX)
        terms.resize (SIMILAR_TERMS_MAX);
    return terms;
}

//  Area, category, time window and open state of QUERY.
static Xapian::Query
s_similar_filter (const hl_kb_similar_query_t *query)
{
    double until = query->until_ms ? (double) query->until_ms : 9e18;
    std::vector<Xapian::Query> parts;
    parts.push_back (Xapian::Query (Xapian::Query::OP_VALUE_RANGE, TSLOT_CREATED,
                                    Xapian::sortable_serialise ((double) query->since_ms),
                                    Xapian::sortable_serialise (until)));
    if (query->area && *query->area)
        parts.push_back (Xapian::Query (TPREFIX_AREA + std::string (query->area)));
    if (query->category && *query->category)
        parts.push_back (Xapian::Query (TPREFIX_CATEGORY + std::string (query->category)));
    if (query->open_only)
        parts.push_back (Xapian::Query (TTERM_OPEN));
    return s_combine (Xapian::Query::OP_AND, parts);
}

//  The first BYTES bytes of TEXT or less, ending on a character boundary.
static std::string
s_excerpt (const std::string &text, size_t bytes)
{
    if (text.size () <= bytes)
        return text;
    size_t cut = bytes;
    while (cut > 0 && ((unsigned char) text[cut] & 0xC0) == 0x80)
        cut--;
    return text.substr (0, cut);
}

//  The share of document ID's distinctive content whose terms are in
//  OTHER (the terms of another ticket).
static double
s_share_in (hl_kb_tickets_t *self, Xapian::docid id, const std::set<std::string> &other)
{
    std::vector<s_weighted_term> terms = s_matter_terms (self, self->db.termlist_begin (id),
                                                         self->db.termlist_end (id), true);
    double total = 0, shared = 0;
    for (const s_weighted_term &t: terms) {
        total += t.idf;
        if (other.count (t.term))
            shared += t.idf;
    }
    return total > 0 ? shared / total : 0;
}

//  Run the similarity search into R.
static void
s_similar (hl_kb_tickets_t *self, const hl_kb_similar_query_t *query, hl_kb_similar_t *r)
{
    std::vector<s_weighted_term> terms;
    if (query->ticket) {
        Xapian::docid id = s_ticket_docid (self, query->ticket);
        if (!id)
            throw Xapian::DocNotFoundError ("ticket " + std::string (query->ticket)
                                            + " is not in the ticket index");
        terms = s_matter_terms (self, self->db.termlist_begin (id),
                                self->db.termlist_end (id), true);
    }
    else {
        Xapian::Document d;
        self->tg.set_document (d);
        self->tg.index_text (s_normalize (query->text));
        terms = s_matter_terms (self, d.termlist_begin (), d.termlist_end (), false);
    }
    //  Every term present adds its idf (CoordWeight scores 1 per matching
    //  term, scaled here), so a ticket's weight over the total is the
    //  share of the text's distinctive content it contains.
    double total = 0;
    std::vector<Xapian::Query> parts;
    for (const s_weighted_term &t: terms) {
        parts.push_back (Xapian::Query (Xapian::Query::OP_SCALE_WEIGHT,
                                        Xapian::Query (t.term), t.idf));
        total += t.idf;
    }
    if (parts.empty ())
        return;
    Xapian::Query q (Xapian::Query::OP_OR, parts.begin (), parts.end ());
    q = Xapian::Query (Xapian::Query::OP_FILTER, q, s_similar_filter (query));
    if (query->ticket)
        q = Xapian::Query (Xapian::Query::OP_AND_NOT, q,
                           Xapian::Query (PREFIX_ID + std::string (query->ticket)));
    double min_score = query->min_score > 0 ? query->min_score : HL_KB_SIMILAR_MIN;
    size_t limit = query->limit ? query->limit : 10;
    size_t bytes = query->excerpt_bytes ? query->excerpt_bytes : 120;

    //  Between two stored tickets similarity goes both ways: the share of
    //  each one's content found in the other, the smaller of the two, so
    //  that a long ticket touching on many things is not like every short
    //  one. A typed text is usually the shorter: its own share counts.
    std::set<std::string> mine;
    if (query->ticket)
        for (auto t = self->db.termlist_begin (s_ticket_docid (self, query->ticket));
             t != self->db.termlist_end (s_ticket_docid (self, query->ticket)); ++t)
            mine.insert (*t);
    Xapian::Enquire enquire (self->db);
    enquire.set_weighting_scheme (Xapian::CoordWeight ());
    enquire.set_query (q);
    if (!query->ticket)
        min_score *= SIMILAR_TEXT_FACTOR;
    enquire.set_cutoff (0, min_score * total * (1 - 1e-9));
    Xapian::MSet mset = enquire.get_mset (0, (Xapian::doccount) (query->ticket ? limit * 3 : limit));
    for (auto m = mset.begin (); m != mset.end (); ++m) {
        double score = std::min (1.0, m.get_weight () / total);
        if (query->ticket)
            score = std::min (score, s_share_in (self, *m, mine));
        if (score < min_score)
            continue;
        Xapian::Document d = m.get_document ();
        s_similar_store h;
        h.ticket = d.get_value (TSLOT_TICKET);
        h.area = d.get_value (TSLOT_AREA);
        h.category = d.get_value (TSLOT_CATEGORY);
        h.hotspot = d.get_value (TSLOT_HOTSPOT);
        h.excerpt = s_excerpt (d.get_data (), bytes);
        h.created_ms = (int64_t) Xapian::sortable_unserialise (d.get_value (TSLOT_CREATED));
        h.score = score;
        auto open = d.termlist_begin ();
        open.skip_to (TTERM_OPEN);
        h.open = open != d.termlist_end () && *open == TTERM_OPEN;
        r->store.push_back (std::move (h));
    }
    std::stable_sort (r->store.begin (), r->store.end (),
                      [] (const s_similar_store &a, const s_similar_store &b) {
                          return a.score > b.score;
                      });
    if (r->store.size () > limit)
        r->store.resize (limit);
}

int
hl_kb_tickets_similar (hl_kb_tickets_t *self, const hl_kb_similar_query_t *query,
                       hl_kb_similar_t **results, char *err, size_t errlen)
{
    assert (self && query && results);
    *results = NULL;
    if (!query->ticket && !query->text) {
        s_set_err (err, errlen, "similar tickets need a ticket number or a text");
        return -1;
    }
    hl_kb_similar_t *r = NULL;
    int rc = s_guard (err, errlen, [&] {
        r = new hl_kb_similar ();
        s_similar (self, query, r);
        for (const s_similar_store &h: r->store)
            r->hits.push_back ({h.ticket.c_str (), h.area.c_str (), h.category.c_str (),
                                h.excerpt.c_str (), h.hotspot.c_str (), h.created_ms,
                                h.score, h.open});
    });
    if (rc)
        delete r;
    else
        *results = r;
    return rc;
}

size_t
hl_kb_similar_size (const hl_kb_similar_t *self)
{
    assert (self);
    return self->hits.size ();
}

const hl_kb_similar_hit_t *
hl_kb_similar_hit (const hl_kb_similar_t *self, size_t index)
{
    assert (self && index < self->hits.size ());
    return &self->hits[index];
}

void
hl_kb_similar_destroy (hl_kb_similar_t **self_p)
{
    assert (self_p);
    delete *self_p;
    *self_p = NULL;
}

void
hl_kb_free (void *ptr)
{
    free (ptr);
}
