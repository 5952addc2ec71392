/*  hl_slotlink: a connection of its own to the master that serves a key.
 *  See hl_slotlink.h. */
#include "hl_slotlink.h"
#include "hl_log.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  How often a link whose master is away looks at the map again.
#define S_CHECK_MS 200

struct hl_slotlink {
    struct event_base *base;
    hl_store_t *store;
    char key[160];               //  "" for the standalone store's one node
    char address[64];            //  the master the connection was made for
    int extra_ms;
    int suspect;                 //  the owner was told the slot is elsewhere
    hl_redis_state_fn *state_fn;
    void *arg;
    hl_redis_t *redis;
    struct event *check;
};

int
hl_slotlink_shared (const hl_store_t *store)
{
    if (hl_store_standalone (store))
        return 1;
    return hl_store_master_of (store, "hl") ? 0 : -1;
}

static void
s_check_later (hl_slotlink_t *self, int ms)
{
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    if (!evtimer_pending (self->check, NULL))
        evtimer_add (self->check, &tv);
}

static void
s_on_state (hl_redis_t *redis, int up, void *arg)
{
    hl_slotlink_t *self = arg;
    if (!up && *self->key)
        s_check_later (self, S_CHECK_MS);
    self->state_fn (redis, up, self->arg);
}

//  A routed command about the key, answered to nobody: the store's layer
//  refreshes its map when the slot's master is away or moved.
static void
s_probe (hl_slotlink_t *self)
{
    const char *argv[] = { "EXISTS", self->key };
    hl_store_command (self->store, self->key, 2, argv, NULL, NULL);
}

//  The connection (re)made for ADDRESS ("" for the store's own settings).
static void
s_connect (hl_slotlink_t *self, const char *address)
{
    if (self->redis) {
        hl_redis_destroy (&self->redis);
        self->state_fn (NULL, 0, self->arg);
        hl_info ("stream reader for %s: its slot moved to %s", self->key, address);
    }
    hl_redis_opts_t opts = *hl_store_redis_opts (self->store);
    opts.timeout_ms += self->extra_ms;
    if (*address) {
        opts.address = address;
        opts.locator = NULL;
    }
    snprintf (self->address, sizeof self->address, "%s", address);
    char err[256];
    self->redis = hl_redis_new (self->base, &opts, s_on_state, self, err, sizeof err);
    if (!self->redis) {
        hl_warning ("stream reader for %s: %s", *self->key ? self->key : "the store", err);
        s_check_later (self, S_CHECK_MS);
    }
}

//  Where the key's master is now; the link follows it there.
static void
s_on_check (evutil_socket_t fd, short what, void *arg)
{
    (void) fd;
    (void) what;
    hl_slotlink_t *self = arg;
    if (!*self->key) {
        if (!self->redis)
            s_connect (self, "");
        return;
    }
    const char *master = hl_store_master_of (self->store, self->key);
    if (master && (!self->redis || strcmp (master, self->address) != 0)) {
        char address[sizeof self->address];
        snprintf (address, sizeof address, "%s", master);
        s_connect (self, address);
        return;
    }
    if (!master || !hl_redis_is_up (self->redis) || self->suspect) {
        //  (a MOVED the map does not know of yet: the probe meets it too,
        //  and the map is read again before the next look)
        self->suspect = 0;
        s_probe (self);
        s_check_later (self, S_CHECK_MS);
    }
}

hl_slotlink_t *
hl_slotlink_new (struct event_base *base, hl_store_t *store, const char *key, int extra_ms,
                 hl_redis_state_fn *state_fn, void *arg)
{
    assert (base && store && state_fn && extra_ms >= 0);
    assert (!key || strlen (key) < sizeof ((hl_slotlink_t *) 0)->key);
    hl_slotlink_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    *self = (hl_slotlink_t) { .base = base, .store = store, .extra_ms = extra_ms,
                              .state_fn = state_fn, .arg = arg };
    snprintf (self->key, sizeof self->key, "%s", key ? key : "");
    self->check = evtimer_new (base, s_on_check, self);
    if (!self->check)
        abort ();
    s_on_check (-1, 0, self);
    return self;
}

void
hl_slotlink_destroy (hl_slotlink_t **self_p)
{
    assert (self_p);
    hl_slotlink_t *self = *self_p;
    if (!self)
        return;
    hl_redis_destroy (&self->redis);
    event_free (self->check);
    free (self);
    *self_p = NULL;
}

hl_redis_t *
hl_slotlink_redis (const hl_slotlink_t *self)
{
    return self->redis;
}

int
hl_slotlink_is_up (const hl_slotlink_t *self)
{
    return self->redis && hl_redis_is_up (self->redis);
}

void
hl_slotlink_check (hl_slotlink_t *self)
{
    if (*self->key) {
        self->suspect = 1;
        s_check_later (self, 0);
    }
}
