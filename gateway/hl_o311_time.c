/*  hl_o311_time: W3C datetimes. See hl_o311_time.h. */
#include "hl_o311_time.h"
#include "hl_date.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  N digits at *P as a number; -1 if they are not all digits.
static int
s_digits (const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    return v;
}

static int
s_expect (const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

int
hl_o311_time_parse (const char *text, int64_t *ms)
{
    const char *p = text;
    int y = s_digits (&p, 4);
    int mo = s_expect (&p, '-') ? -1 : s_digits (&p, 2);
    int d = s_expect (&p, '-') ? -1 : s_digits (&p, 2);
    int h = s_expect (&p, 'T') ? -1 : s_digits (&p, 2);
    int mi = s_expect (&p, ':') ? -1 : s_digits (&p, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > hl_date_month_days (y, mo) || h < 0 || h > 23
        || mi < 0 || mi > 59)
        return -1;
    int s = 0, frac_ms = 0;
    if (*p == ':') {
        p++;
        if ((s = s_digits (&p, 2)) < 0 || s > 59)
            return -1;
        if (*p == '.') {
            p++;
            int n = 0;
            for (; *p >= '0' && *p <= '9'; p++, n++)
                if (n < 3)
                    frac_ms = frac_ms * 10 + (*p - '0');
            if (n == 0)
                return -1;
            for (; n < 3; n++)
                frac_ms *= 10;
        }
    }
    int offset_min = 0;
    if (*p == 'Z')
        p++;
    else
    if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = s_digits (&p, 2);
        int om = s_expect (&p, ':') ? -1 : s_digits (&p, 2);
        if (oh < 0 || oh > 14 || om < 0 || om > 59)
            return -1;
        offset_min = sign * (oh * 60 + om);
    }
    else
        return -1;              //  the spec requires a zone
    if (*p)
        return -1;
    int64_t secs = hl_date_days (y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset_min * 60;
    *ms = secs * 1000 + frac_ms;
    return 0;
}

char *
hl_o311_time_format (int64_t ms, char out[HL_O311_TIME_LEN])
{
    time_t t = (time_t) (ms / 1000);
    struct tm tm;
    localtime_r (&t, &tm);
    long off = tm.tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';
    if (off < 0)
        off = -off;
    char text[80];
    snprintf (text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
              tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
              sign, off / 60, off % 60);
    memcpy (out, text, HL_O311_TIME_LEN - 1);      //  years 1970-9999 fill it exactly
    out[HL_O311_TIME_LEN - 1] = '\0';
    return out;
}
