/*  hl_curve: CURVE keys as people handle them. See hl_curve.h. */
#include "hl_curve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

int
hl_curve_print_keypair (FILE *out, const char *note)
{
    char public_key[HL_CURVE_KEY_TEXT], secret_key[HL_CURVE_KEY_TEXT];
    if (hl_curve_keypair (public_key, secret_key) != 0)
        return -1;
    fprintf (out, "%spublic %s\nsecret %s\n", note, public_key, secret_key);
    return 0;
}

int
hl_curve_client_load (hl_curve_client_t *keys, const char *key_file, const char *server_key,
                      char *err, size_t errlen)
{
    char why[400];
    if (hl_curve_decode (server_key, NULL))
        snprintf (keys->server_key, sizeof keys->server_key, "%s", server_key);
    else
    if (hl_curve_read_key (server_key, "public", keys->server_key, why, sizeof why) != 0) {
        snprintf (err, errlen, "server key: not a key (Z85), and %s", why);
        return -1;
    }
    if (hl_curve_read_key (key_file, "public", keys->public_key, why, sizeof why) != 0
        || hl_curve_read_key (key_file, "secret", keys->secret_key, why, sizeof why) != 0) {
        snprintf (err, errlen, "key file: %s", why);
        return -1;
    }
    return 0;
}

int
hl_curve_client_pair (hl_curve_client_t *keys, const char *key_file, const char *server_key,
                      const char *names, char *err, size_t errlen)
{
    int have_file = key_file && *key_file, have_server = server_key && *server_key;
    if (!have_file && !have_server)
        return 0;
    if (!have_file || !have_server) {
        snprintf (err, errlen, "%s go together", names);
        return -1;
    }
    return hl_curve_client_load (keys, key_file, server_key, err, errlen) == 0 ? 1 : -1;
}

int
hl_curve_client_from_env (hl_curve_client_t *keys, char *err, size_t errlen)
{
    return hl_curve_client_pair (keys, getenv ("HOTLINE_KEY_FILE"), getenv ("HOTLINE_SERVER_KEY"),
                                 "HOTLINE_KEY_FILE and HOTLINE_SERVER_KEY", err, errlen);
}

int
hl_curve_client_flags (hl_curve_client_t *keys, const char *key_file, const char *server_key,
                       char *err, size_t errlen)
{
    return key_file || server_key
         ? hl_curve_client_pair (keys, key_file, server_key, "--key-file and --server-key", err,
                                 errlen)
         : hl_curve_client_from_env (keys, err, errlen);
}

int
hl_curve_client_apply (void *socket, const hl_curve_client_t *keys)
{
    return zmq_setsockopt (socket, ZMQ_CURVE_SERVERKEY, keys->server_key, 40) == 0
        && zmq_setsockopt (socket, ZMQ_CURVE_PUBLICKEY, keys->public_key, 40) == 0
        && zmq_setsockopt (socket, ZMQ_CURVE_SECRETKEY, keys->secret_key, 40) == 0
         ? 0 : -1;
}

void *
hl_curve_watch (void *ctx, void *socket, const void *tag)
{
    static unsigned watches;     //  a socket may be watched again after a reopen
    char endpoint[80];
    snprintf (endpoint, sizeof endpoint, "inproc://hl-curve-watch-%p-%p-%u", socket, tag,
              __atomic_add_fetch (&watches, 1, __ATOMIC_RELAXED));
    if (zmq_socket_monitor (socket, endpoint, ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) != 0)
        return NULL;
    void *watch = zmq_socket (ctx, ZMQ_PAIR);
    if (watch && zmq_connect (watch, endpoint) != 0) {
        zmq_close (watch);
        watch = NULL;
    }
    if (watch) {
        int zero = 0;
        zmq_setsockopt (watch, ZMQ_LINGER, &zero, sizeof zero);
    }
    return watch;
}

int
hl_curve_refused (void *watch)
{
    zmq_msg_t event, address;
    zmq_msg_init (&event);
    zmq_msg_init (&address);
    int refused = 0;
    if (zmq_msg_recv (&event, watch, ZMQ_DONTWAIT) >= 0
        && zmq_msg_recv (&address, watch, ZMQ_DONTWAIT) >= 0
        && zmq_msg_size (&event) >= 2) {
        uint16_t what;
        memcpy (&what, zmq_msg_data (&event), sizeof what);
        refused = what == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    }
    zmq_msg_close (&event);
    zmq_msg_close (&address);
    return refused;
}
