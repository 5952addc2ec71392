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
#include <stdio.h>
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

//  Print a new key pair to OUT as a key file, under the comment lines
//  NOTE (each starting with "# "). 0, or -1 if this libzmq has no CURVE.
int hl_curve_print_keypair (FILE *out, const char *note);

//  What a client needs to reach a CURVE endpoint of hotlined: the
//  server's public key and its own key pair.
typedef struct {
    char server_key[HL_CURVE_KEY_TEXT];
    char public_key[HL_CURVE_KEY_TEXT];
    char secret_key[HL_CURVE_KEY_TEXT];
} hl_curve_client_t;

//  Load a client's keys: its pair from the key file KEY_FILE, and the
//  server's public key from SERVER_KEY, which is the key itself (Z85) or
//  a key file holding a "public" line. 0, or -1 with ERR naming which.
int hl_curve_client_load (hl_curve_client_t *keys, const char *key_file,
                          const char *server_key, char *err, size_t errlen);

//  The same for a pair given together or not at all (NAMES calls them
//  something, for the error): 1 with KEYS filled in, 0 if neither is
//  given (NULL or ""), -1 with ERR if only one is or a key cannot be read.
int hl_curve_client_pair (hl_curve_client_t *keys, const char *key_file,
                          const char *server_key, const char *names, char *err,
                          size_t errlen);

//  The pair from the environment, for the staff tools: HOTLINE_KEY_FILE
//  and HOTLINE_SERVER_KEY.
int hl_curve_client_from_env (hl_curve_client_t *keys, char *err, size_t errlen);

//  A program's keys: from its --key-file KEY_FILE and --server-key
//  SERVER_KEY if either is given, else from the environment (as
//  hl_curve_client_from_env). 1, 0 or -1 as hl_curve_client_pair.
int hl_curve_client_flags (hl_curve_client_t *keys, const char *key_file,
                           const char *server_key, char *err, size_t errlen);

//  Make SOCKET (not yet connected) a CURVE client with KEYS. 0 or -1.
int hl_curve_client_apply (void *socket, const hl_curve_client_t *keys);

//  A server refuses a key it does not list by closing the handshake, not
//  with a message. hl_curve_watch starts watching SOCKET's handshakes
//  and returns the PAIR socket (in CTX) where failures arrive, to poll
//  for ZMQ_POLLIN beside SOCKET; NULL if it cannot. TAG makes the watch's
//  inproc name unique in CTX.
void *hl_curve_watch (void *ctx, void *socket, const void *tag);

//  Reads one report from WATCH without blocking: 1 if it says the key was
//  refused, else 0.
int hl_curve_refused (void *watch);

#endif
