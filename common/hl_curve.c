/*  hl_curve: CURVE keys as people handle them. See hl_curve.h. */
#include "hl_curve.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zmq.h>

int
hl_curve_decode (const char *text, uint8_t key[32])
{
    uint8_t scratch[32];
    return text && strlen (text) == 40 && zmq_z85_decode (key ? key : scratch, text) != NULL;
}

int
hl_curve_read_key (const char *path, const char *what, char out[HL_CURVE_KEY_TEXT], char *err,
                   size_t errlen)
{
    FILE *f = fopen (path, "r");
    if (!f) {
        snprintf (err, errlen, "%s: %s", path, strerror (errno));
        return -1;
    }
    char line[256], name[16], key[64];
    int found = 0;
    while (!found && fgets (line, sizeof line, f))
        if (sscanf (line, " %15s %63s", name, key) == 2 && strcmp (name, what) == 0
            && hl_curve_decode (key, NULL)) {
            memcpy (out, key, HL_CURVE_KEY_TEXT);     //  40 characters and the NUL
            found = 1;
        }
    fclose (f);
    if (!found)
        snprintf (err, errlen, "%s: no \"%s <key (Z85)>\" line", path, what);
    return found ? 0 : -1;
}

int
hl_curve_keypair (char public_key[HL_CURVE_KEY_TEXT], char secret_key[HL_CURVE_KEY_TEXT])
{
    return zmq_curve_keypair (public_key, secret_key) == 0 ? 0 : -1;
}
