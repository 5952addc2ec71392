/*  hl_layout: which layout of the ticket store this hotlined knows, and
 *  whether the store on the other end is one it may serve.
 *
 *  The layout is one number: the Function library's names and arguments
 *  and the keys it writes. It is spelled once, as LAYOUT_VERSION in
 *  daemon/hotline.lua, and read back from the library's code (the code
 *  embedded in this hotlined, and the code loaded in Redis); the store
 *  keeps the highest layout that has written to it in hl:layout.
 *
 *  Before each FUNCTION LOAD the store asks hl_layout_check: a library
 *  or data newer than this build knows is refused (loading ours would
 *  replace the functions a newer hotlined calls, and ours would misread
 *  its data); an older store is migrated forward and marked. Layout 1 is
 *  the first recorded (a store from before, with no hl:layout, has the
 *  same keys). Layout 2 put every key of a ticket in its bucket
 *  (hl_bucket): a store of layout 0 or 1 is migrated by renaming them, and
 *  a flag in the store makes a cut-short migration finish at the next start.
 *  Layout 3 keeps the global lists (hl:state:*, hl:unit:*, hl:caller:*),
 *  now made by the outbox consumers (hl_outbox), under their own tag
 *  hl:{ix}: (the same move renames them), and the counters per bucket: the
 *  store-wide counter hashes of an older store are folded into bucket 0,
 *  under a flag of their own.
 *  Layout 3 also keeps a ticket's history and its clocks in its hash: a
 *  store of an older layout has each ticket rewritten, behind a flag of its
 *  own. These passes SCAN the one Redis hotlined is connected to.
 *  Layout 4 lets closed, archived tickets leave Redis (the retire set per
 *  bucket, the outbox entries 'evict' and 'restore', the hash's 'arch'):
 *  nothing to migrate, but an older hotlined would put an evicted ticket
 *  back into the lists, so it must not serve the store any more.
 *  Layout 5 stores a complaint's content and address packed (hl_textpack)
 *  where that is shorter: nothing to migrate (plain UTF-8 reads as it
 *  is), but an older hotlined would show the packed bytes.
 *  Layout 6 groups the caller index (hl_callerix): the sorted set of each
 *  caller (hl:{ix}:caller:<token>) goes into its group, under a flag of
 *  its own; and splits the units' lists by bucket (hl:{ix}:unit:<code>
 *  into hl:{NN}:unit:<code>), under another.
 *  Layout 7 stores the ticket hash's longer field names short (the table
 *  stored_fields of core/lifecycle.json): a store of an older layout has
 *  each ticket's fields renamed, behind a flag of its own; on a Redis
 *  Cluster each master's tickets are renamed while the library loaded
 *  there is older than layout 7. Its reply references its history entry
 *  and its action results theirs: older values read as they are.
 */
#ifndef HL_LAYOUT_H_INCLUDED
#define HL_LAYOUT_H_INCLUDED

#include "hl_redis.h"

#include <stddef.h>

//  The key that records the store's layout.
#define HL_LAYOUT_KEY "hl:layout"

//  The LAYOUT_VERSION of the library CODE (LEN bytes); 0 for a library
//  from before versions (no such line).
int hl_layout_of_library (const char *code, size_t len);

typedef enum {
    HL_LAYOUT_OK,            //  ours or older (now migrated and marked): load ours
    HL_LAYOUT_NEWER,         //  newer than we know: do not load, do not serve
    HL_LAYOUT_RETRY          //  Redis refused a step (e.g. LOADING): ask again later
} hl_layout_verdict_t;

//  MESSAGE says why, for the log (NEWER and RETRY).
typedef void (hl_layout_fn) (hl_layout_verdict_t verdict, const char *message, void *arg);

//  Check the store behind REDIS for our library CODE. 0: FN is called
//  exactly once, unless the connection is lost first (then never: the
//  next connect checks again). -1: not sent, FN never called.
int hl_layout_check (hl_redis_t *redis, const char *code, size_t len, hl_layout_fn *fn,
                     void *arg);

//  The same for one master of a Redis Cluster: only the library loaded
//  there is checked. The layout record and the migrations are a single
//  Redis's (their keys are untagged and their passes SCAN one node); a
//  cluster store was written by layout 3 or later, since the layouts
//  before it cannot run on a cluster. The one exception, layout 7's
//  field names, runs on the master itself while its library is older.
int hl_layout_check_library (hl_redis_t *redis, const char *code, size_t len,
                             hl_layout_fn *fn, void *arg);

#endif
