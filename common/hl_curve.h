/*  hl_curve: CURVE keys as people handle them.
 *
 *  A key is 32 bytes; people and files carry it as Z85 text (40
 *  characters). A key file holds "public <key>" and "secret <key>" lines
 *  ('#' comments allowed), as `hotline-worker --keygen` writes them; the
 *  secret line is for the machine the key belongs to only.
 */
#ifndef HL_CURVE_H_INCLUDED
#define HL_CURVE_H_INCLUDED

#include <stddef.h>
#include <stdint.h>

//  Z85 text of a key and its terminator.
#define HL_CURVE_KEY_TEXT 41

//  True if TEXT is a key in Z85; its bytes into KEY (may be NULL).
int hl_curve_decode (const char *text, uint8_t key[32]);

//  Read the key named WHAT ("public" or "secret") from the key file at
//  PATH into OUT. 0, or -1 with ERR.
int hl_curve_read_key (const char *path, const char *what, char out[HL_CURVE_KEY_TEXT],
                       char *err, size_t errlen);

//  A new key pair, in Z85. 0, or -1 if this libzmq has no CURVE.
int hl_curve_keypair (char public_key[HL_CURVE_KEY_TEXT], char secret_key[HL_CURVE_KEY_TEXT]);

#endif
