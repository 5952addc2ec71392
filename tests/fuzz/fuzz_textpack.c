/*  Fuzz target: common/hl_textpack, the packed complaints hotlined reads
 *  back from the store (the view, the lists' excerpts). The input is read
 *  two ways: as a stored value (after either mark): 0 or -1, and UTF-8
 *  when 0; and as text to pack: what packs reads back the same, and every
 *  cut of it gives a prefix of the text.
 */
#include "hl_fuzz.h"
#include "hl_text.h"
#include "hl_textpack.h"

//  DATA[0..size) after the mark MARK, decoded.
static void
s_decode_as (uint8_t mark, const uint8_t *data, size_t size, hl_buf_t *out)
{
    uint8_t *value = malloc (size + 1);
    if (!value)
        abort ();
    value[0] = mark;
    memcpy (value + 1, data, size);
    int rc = hl_textpack_decode (value, size + 1, out);
    HL_FUZZ_ASSERT (rc == 0 || rc == -1);
    if (rc == 0)
        HL_FUZZ_ASSERT (hl_text_check (out->data, out->len, HL_TEXT_MULTILINE, NULL)
                        != HL_TEXT_BAD_UTF8);
    free (value);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    hl_buf_t packed = HL_BUF_INIT, back = HL_BUF_INIT;
    s_decode_as (0xFD, data, size, &back);
    s_decode_as (0xFE, data, size, &back);
    if (hl_textpack_encode (data, size, &packed) == 1) {
        HL_FUZZ_ASSERT (packed.len < size && !memchr (packed.data, 0, packed.len));
        HL_FUZZ_ASSERT (hl_textpack_decode (packed.data, packed.len, &back) == 0);
        HL_FUZZ_ASSERT (back.len == size && memcmp (back.data, data, size) == 0);
        for (size_t cut = 1; cut < packed.len; cut++) {
            HL_FUZZ_ASSERT (hl_textpack_decode (packed.data, cut, &back) == 0);
            HL_FUZZ_ASSERT (back.len <= size && memcmp (back.data, data, back.len) == 0);
        }
    }
    hl_buf_free (&packed);
    hl_buf_free (&back);
    return 0;
}
