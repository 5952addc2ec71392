/*  hl_similar: similar tickets and hotspots on one writer thread. See
    hl_similar.h.

    The loop thread queues operations (a list under a mutex); the writer
    thread runs them in order on the one hl_kb_tickets_t, commits in
    batches, and posts answers, hotspots and write errors back through
    hl_kbloop. `stopping` is written only by the loop thread, under the
    mutex.
*/
#include "hl_similar.h"
#include "hl_kbloop.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_QUEUE_DEFAULT 10000
#define S_BATCH_DOCS_DEFAULT 200
#define S_BATCH_MS_DEFAULT 500
#define S_HOTSPOT_MIN_DEFAULT 3
#define S_HOTSPOT_WINDOW_DEFAULT (24 * 3600 * 1000LL)
#define S_HOTSPOT_MEMBERS_MAX 200   //  members listed in a raised event
#define S_PRUNE_INTERVAL_MS 60000   //  how often closed tickets are pruned
#define S_ID_MAX 128                //  longest ticket number, area, category

typedef enum { S_INDEX, S_FORGET, S_FIND } s_kind_t;

//  One queued operation; a search travels back to the loop as well.
typedef struct s_op {
    struct s_op *next;
    s_kind_t kind;
    hl_similar_t *owner;
    char *ticket, *text, *area, *category;
    int64_t created_ms;             //  S_INDEX
    int64_t since_ms;               //  S_FIND
    size_t limit;                   //  S_FIND
    hl_similar_find_fn *fn;
    void *arg;
    hl_kb_similar_t *results;       //  S_FIND, set by the writer thread
    char error[512];
} s_op_t;

//  A hotspot event or a write error on its way to the loop thread.
typedef struct {
    hl_similar_t *owner;
    hl_similar_hotspot_t hotspot;   //  strings point into `strings`
    char **strings;                 //  area, category, ticket, lead, members
    size_t strings_size;
    char *error;                    //  set for a write error instead
} s_note_t;

struct hl_similar {
    hl_similar_opts_t opts;         //  with defaults filled in
    char *path;
    hl_kbloop_t *loop;
    pthread_t thread;
    pthread_mutex_t mutex;
    pthread_cond_t cond;            //  new work, stop, or open finished
    s_op_t *head, *tail;
    size_t queued;
    int stopping;
    int64_t stop_by;                //  monotonic ms: stop taking work (0: finish all)
    int opened;                     //  1 open, -1 failed (writer thread)
    char open_error[512];
    size_t pending;                 //  searches not yet answered (loop thread)
    //  Writer thread only:
    hl_kb_tickets_t *db;
    size_t uncommitted;
    int64_t commit_due;             //  monotonic ms, when uncommitted > 0
    int64_t pruned_at;              //  monotonic ms of the last prune
    int64_t newest_ms;              //  latest created_ms seen
};

static char *
s_strdup (const char *text)
{
    if (!text)
        return NULL;
    char *copy = strdup (text);
    if (!copy)
        abort ();
    return copy;
}

static int64_t
s_now_ms (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
s_op_destroy (s_op_t **op_p)
{
    s_op_t *op = *op_p;
    hl_kb_similar_destroy (&op->results);
    free (op->ticket);
    free (op->text);
    free (op->area);
    free (op->category);
    free (op);
    *op_p = NULL;
}

//  ---------------------------------------------------------------------
//  Loop thread side of notes and answers

//  A note with room for N_STRINGS owned strings.
static s_note_t *
s_note_new (hl_similar_t *owner, size_t n_strings)
{
    s_note_t *note = calloc (1, sizeof *note);
    if (!note)
        abort ();
    note->owner = owner;
    note->strings_size = n_strings;
    note->strings = calloc (n_strings ? n_strings : 1, sizeof (char *));
    if (!note->strings)
        abort ();
    return note;
}

//  On the loop thread: report a hotspot or a write error, and free it.
static void
s_deliver_note (void *arg)
{
    s_note_t *note = (s_note_t *) arg;
    hl_similar_opts_t *opts = &note->owner->opts;
    if (note->error) {
        if (opts->error_fn)
            opts->error_fn (note->error, opts->error_arg);
    }
    else
    if (opts->hotspot_fn)
        opts->hotspot_fn (&note->hotspot, opts->hotspot_arg);
    for (size_t i = 0; i < note->strings_size; i++)
        free (note->strings[i]);
    free (note->strings);
    free (note->error);
    free (note);
}

//  On the loop thread: answer a search once. While the service is being
//  destroyed the answer is an error, as promised.
static void
s_deliver_find (void *arg)
{
    s_op_t *op = (s_op_t *) arg;
    hl_similar_t *self = op->owner;
    assert (self->pending > 0);
    self->pending--;
    if (self->stopping)
        op->fn (NULL, "similar-ticket service stopped", op->arg);
    else
    if (op->results)
        op->fn (op->results, NULL, op->arg);
    else
        op->fn (NULL, op->error, op->arg);
    s_op_destroy (&op);
}

//  ---------------------------------------------------------------------
//  Writer thread

//  Tell the loop thread that a change could not be written.
static void
s_report_error (hl_similar_t *self, const char *what, const char *ticket, const char *err)
{
    s_note_t *note = s_note_new (self, 0);
    size_t size = strlen (what) + strlen (ticket) + strlen (err) + 32;
    note->error = malloc (size);
    if (!note->error)
        abort ();
    snprintf (note->error, size, "similar tickets: %s %s: %s", what, ticket, err);
    hl_kbloop_post (self->loop, s_deliver_note, note);
}

//  Post a hotspot event: RAISED with the members of HITS (plus TICKET),
//  or TICKET joining LEAD.
static void
s_report_hotspot (hl_similar_t *self, const s_op_t *op, const char *lead, int raised,
                  const hl_kb_similar_t *hits)
{
    size_t members = raised ? hl_kb_similar_size (hits) + 1 : 1;
    if (members > S_HOTSPOT_MEMBERS_MAX)
        members = S_HOTSPOT_MEMBERS_MAX;
    s_note_t *note = s_note_new (self, 4 + members);
    note->strings[0] = s_strdup (op->area);
    note->strings[1] = s_strdup (op->category ? op->category : "");
    note->strings[2] = s_strdup (op->ticket);
    note->strings[3] = s_strdup (lead);
    //  Members oldest first: the hits in creation order, then TICKET,
    //  which is the newest of the window (or ties with the newest).
    size_t n = 0;
    if (raised) {
        size_t size = hl_kb_similar_size (hits);
        const hl_kb_similar_hit_t **order = calloc (size + 1, sizeof *order);
        if (!order)
            abort ();
        for (size_t i = 0; i < size; i++) {
            const hl_kb_similar_hit_t *h = hl_kb_similar_hit (hits, i);
            size_t at = i;
            while (at > 0 && (order[at - 1]->created_ms > h->created_ms
                          || (order[at - 1]->created_ms == h->created_ms
                              && strcmp (order[at - 1]->ticket, h->ticket) > 0))) {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = h;
        }
        for (size_t i = 0; i < size && n + 1 < members; i++)
            note->strings[4 + n++] = s_strdup (order[i]->ticket);
        free (order);
    }
    note->strings[4 + n++] = s_strdup (op->ticket);
    note->strings_size = 4 + n;
    note->hotspot.raised = raised;
    note->hotspot.area = note->strings[0];
    note->hotspot.category = note->strings[1];
    note->hotspot.ticket = note->strings[2];
    note->hotspot.lead = note->strings[3];
    note->hotspot.tickets = (const char *const *) note->strings + 4;
    note->hotspot.tickets_size = n;
    hl_kbloop_post (self->loop, s_deliver_note, note);
}

//  The earliest ticket of HITS and OP's ticket: the lead of a new hotspot.
static const char *
s_earliest (const s_op_t *op, const hl_kb_similar_t *hits)
{
    const char *lead = op->ticket;
    int64_t lead_ms = op->created_ms;
    for (size_t i = 0; i < hl_kb_similar_size (hits); i++) {
        const hl_kb_similar_hit_t *h = hl_kb_similar_hit (hits, i);
        if (h->created_ms < lead_ms || (h->created_ms == lead_ms && strcmp (h->ticket, lead) < 0)) {
            lead = h->ticket;
            lead_ms = h->created_ms;
        }
    }
    return lead;
}

//  After indexing OP's ticket: join the hotspot of a similar recent ticket
//  in the area, or raise one when there are hotspot_min of them.
static void
s_check_hotspot (hl_similar_t *self, const s_op_t *op)
{
    hl_kb_similar_query_t q = {
        .ticket = op->ticket, .area = op->area,
        .since_ms = op->created_ms - self->opts.hotspot_window_ms,
        .until_ms = op->created_ms, .limit = S_HOTSPOT_MEMBERS_MAX,
        .min_score = self->opts.min_score
    };
    hl_kb_similar_t *hits = NULL;
    char err[400];
    if (hl_kb_tickets_similar (self->db, &q, &hits, err, sizeof err)) {
        s_report_error (self, "hotspot check of", op->ticket, err);
        return;
    }
    const char *lead = NULL;
    for (size_t i = 0; i < hl_kb_similar_size (hits) && !lead; i++)
        if (*hl_kb_similar_hit (hits, i)->hotspot)
            lead = hl_kb_similar_hit (hits, i)->hotspot;
    int raised = 0;
    if (!lead && hl_kb_similar_size (hits) + 1 >= self->opts.hotspot_min) {
        lead = s_earliest (op, hits);
        raised = 1;
        for (size_t i = 0; i < hl_kb_similar_size (hits); i++)
            if (hl_kb_tickets_set_hotspot (self->db, hl_kb_similar_hit (hits, i)->ticket,
                                           lead, err, sizeof err) == 0)
                self->uncommitted++;
    }
    if (lead) {
        if (hl_kb_tickets_set_hotspot (self->db, op->ticket, lead, err, sizeof err) == 0)
            self->uncommitted++;
        s_report_hotspot (self, op, lead, raised, hits);
    }
    hl_kb_similar_destroy (&hits);
}

//  Index OP's ticket; a ticket already in a hotspot (a replay) raises
//  nothing new.
static void
s_run_index (hl_similar_t *self, const s_op_t *op)
{
    hl_kb_ticket_t t = {
        .ticket = op->ticket, .text = op->text, .area = op->area,
        .category = op->category, .created_ms = op->created_ms
    };
    int in_hotspot = 0;
    char err[400];
    if (hl_kb_tickets_put (self->db, &t, &in_hotspot, err, sizeof err)) {
        s_report_error (self, "cannot index ticket", op->ticket, err);
        return;
    }
    self->uncommitted++;
    if (op->created_ms > self->newest_ms)
        self->newest_ms = op->created_ms;
    if (!in_hotspot)
        s_check_hotspot (self, op);
}

//  Run one operation.
static void
s_run (hl_similar_t *self, s_op_t *op)
{
    char err[400];
    if (op->kind == S_INDEX)
        s_run_index (self, op);
    else
    if (op->kind == S_FORGET) {
        if (hl_kb_tickets_forget (self->db, op->ticket, err, sizeof err))
            s_report_error (self, "cannot forget ticket", op->ticket, err);
        else
            self->uncommitted++;
    }
    else {
        hl_kb_similar_query_t q = {
            .ticket = op->ticket, .text = op->text, .area = op->area,
            .category = op->category, .since_ms = op->since_ms, .open_only = 1,
            .limit = op->limit, .min_score = self->opts.min_score
        };
        if (hl_kb_tickets_similar (self->db, &q, &op->results, err, sizeof err))
            snprintf (op->error, sizeof op->error, "similar tickets: %s", err);
        hl_kbloop_post (self->loop, s_deliver_find, op);
        return;                     //  the loop thread frees it
    }
    s_op_t *done = op;
    s_op_destroy (&done);
}

//  Commit if a batch is full or due (or FORCE), and now and then drop
//  closed tickets too old to count for hotspots.
static void
s_commit (hl_similar_t *self, int force)
{
    if (!self->uncommitted)
        return;
    int64_t now = s_now_ms ();
    if (!force && self->uncommitted < self->opts.batch_docs && now < self->commit_due)
        return;
    char err[400];
    if (now - self->pruned_at >= S_PRUNE_INTERVAL_MS) {
        self->pruned_at = now;
        if (hl_kb_tickets_prune (self->db, self->newest_ms - self->opts.hotspot_window_ms,
                                 NULL, err, sizeof err))
            s_report_error (self, "cannot prune", "closed tickets", err);
    }
    if (hl_kb_tickets_commit (self->db, err, sizeof err))
        s_report_error (self, "cannot commit", "changes", err);
    self->uncommitted = 0;
}

//  The next operation; NULL when stopping and the queue is empty, or when
//  a batch fell due while waiting.
static s_op_t *
s_take (hl_similar_t *self, int *stop)
{
    pthread_mutex_lock (&self->mutex);
    while (!self->head && !self->stopping) {
        if (!self->uncommitted)
            pthread_cond_wait (&self->cond, &self->mutex);
        else {
            struct timespec due = {
                .tv_sec = self->commit_due / 1000,
                .tv_nsec = (self->commit_due % 1000) * 1000000
            };
            if (pthread_cond_timedwait (&self->cond, &self->mutex, &due))
                break;              //  timed out: time to commit
        }
    }
    s_op_t *op = self->head;
    if (op) {
        self->head = op->next;
        if (!self->head)
            self->tail = NULL;
        self->queued--;
    }
    if (op && self->stopping && self->stop_by && s_now_ms () >= self->stop_by) {
        //  Out of time: put it back for the journal.
        op->next = self->head;
        self->head = op;
        if (!self->tail)
            self->tail = op;
        self->queued++;
        op = NULL;
    }
    *stop = !op && self->stopping;
    pthread_mutex_unlock (&self->mutex);
    return op;
}

//  Tell hl_similar_new how opening went.
static void
s_opened (hl_similar_t *self, int result)
{
    pthread_mutex_lock (&self->mutex);
    self->opened = result;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
}

//  The writer thread: open, run operations in order, commit in batches,
//  and on stop finish the queue and commit.
static void *
s_thread (void *arg)
{
    hl_similar_t *self = (hl_similar_t *) arg;
    self->db = hl_kb_tickets_new (self->path, self->open_error, sizeof self->open_error);
    s_opened (self, self->db ? 1 : -1);
    if (!self->db)
        return NULL;
    self->pruned_at = s_now_ms ();
    for (;;) {
        int stop = 0;
        s_op_t *op = s_take (self, &stop);
        if (stop)
            break;
        if (op) {
            if (!self->uncommitted)
                self->commit_due = s_now_ms () + self->opts.batch_ms;
            s_run (self, op);
        }
        s_commit (self, 0);
    }
    s_commit (self, 1);
    hl_kb_tickets_destroy (&self->db);
    return NULL;
}

//  ---------------------------------------------------------------------
//  Loop thread API

//  Fill in defaults; 0 if the options are usable.
static int
s_check_opts (hl_similar_opts_t *opts, char *err, size_t errlen)
{
    if (!opts->path || !*opts->path) {
        snprintf (err, errlen, "similar tickets: no index path");
        return -1;
    }
    if (opts->batch_ms < 0 || opts->hotspot_window_ms < 0
    ||  opts->min_score < 0 || opts->min_score > 1) {
        snprintf (err, errlen, "similar tickets: negative time or score out of 0..1");
        return -1;
    }
    if (opts->hotspot_min == 1) {
        snprintf (err, errlen, "similar tickets: a hotspot needs at least 2 tickets");
        return -1;
    }
    opts->queue_max = opts->queue_max ? opts->queue_max : S_QUEUE_DEFAULT;
    opts->batch_docs = opts->batch_docs ? opts->batch_docs : S_BATCH_DOCS_DEFAULT;
    opts->batch_ms = opts->batch_ms ? opts->batch_ms : S_BATCH_MS_DEFAULT;
    opts->min_score = opts->min_score > 0 ? opts->min_score : HL_KB_SIMILAR_MIN;
    opts->hotspot_min = opts->hotspot_min ? opts->hotspot_min : S_HOTSPOT_MIN_DEFAULT;
    opts->hotspot_window_ms = opts->hotspot_window_ms ? opts->hotspot_window_ms
                                                      : S_HOTSPOT_WINDOW_DEFAULT;
    return 0;
}

static size_t s_journal_replay (hl_similar_t *self);

//  Queue OP at the end and wake the writer; the mutex is held.
static void
s_append (hl_similar_t *self, s_op_t *op)
{
    if (self->tail)
        self->tail->next = op;
    else
        self->head = op;
    self->tail = op;
    self->queued++;
    pthread_cond_signal (&self->cond);
}

static void
s_free (hl_similar_t *self)
{
    hl_kbloop_destroy (&self->loop);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self->path);
    free (self);
}

hl_similar_t *
hl_similar_new (struct event_base *base, const hl_similar_opts_t *opts,
                char *err, size_t errlen)
{
    assert (base && opts);
    hl_similar_opts_t checked = *opts;
    if (s_check_opts (&checked, err, errlen))
        return NULL;
    hl_kbloop_t *loop = hl_kbloop_new (base, err, errlen);
    if (!loop)
        return NULL;
    hl_similar_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->opts = checked;
    self->path = s_strdup (checked.path);
    self->opts.path = self->path;
    self->loop = loop;
    pthread_mutex_init (&self->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init (&attr);
    pthread_condattr_setclock (&attr, CLOCK_MONOTONIC);
    pthread_cond_init (&self->cond, &attr);
    pthread_condattr_destroy (&attr);
    int rc = pthread_create (&self->thread, NULL, s_thread, self);
    if (rc) {
        snprintf (err, errlen, "similar tickets: cannot start the index thread: %s",
                  strerror (rc));
        s_free (self);
        return NULL;
    }
    pthread_mutex_lock (&self->mutex);
    while (!self->opened)
        pthread_cond_wait (&self->cond, &self->mutex);
    pthread_mutex_unlock (&self->mutex);
    if (self->opened < 0) {
        pthread_join (self->thread, NULL);
        snprintf (err, errlen, "similar tickets: cannot open %s: %s",
                  self->path, self->open_error);
        s_free (self);
        return NULL;
    }
    s_journal_replay (self);
    return self;
}

//  ---------------------------------------------------------------------
//  The journal: index changes a bounded stop did not reach, written beside
//  the index and queued again by the next start, so none is lost.

static void
s_put_str (FILE *f, const char *text)
{
    uint32_t len = text ? (uint32_t) strlen (text) : UINT32_MAX;
    fwrite (&len, sizeof len, 1, f);
    if (text)
        fwrite (text, 1, len, f);
}

//  A string of the journal; 0, or -1 if the file is cut short or garbled.
static int
s_get_str (FILE *f, char **out)
{
    uint32_t len;
    *out = NULL;
    if (fread (&len, sizeof len, 1, f) != 1)
        return -1;
    if (len == UINT32_MAX)
        return 0;
    if (len > HL_SIMILAR_TEXT_MAX)
        return -1;
    *out = malloc ((size_t) len + 1);
    if (!*out)
        abort ();
    if (fread (*out, 1, len, f) != len)
        return -1;
    (*out)[len] = '\0';
    return 0;
}

static void
s_journal_path (const hl_similar_t *self, char *out, size_t outlen, const char *suffix)
{
    snprintf (out, outlen, "%s/hotline-unindexed%s", self->path, suffix);
}

//  Write the index and forget operations still queued; searches among
//  them are answered. Returns how many changes were saved.
static size_t
s_journal_write (hl_similar_t *self)
{
    char path[4096], tmp[4096];
    s_journal_path (self, path, sizeof path, "");
    s_journal_path (self, tmp, sizeof tmp, ".tmp");
    FILE *f = NULL;
    size_t saved = 0;
    while (self->head) {
        s_op_t *op = self->head;
        self->head = op->next;
        if (op->kind == S_FIND) {
            self->pending--;
            op->fn (NULL, "similar-ticket service stopped", op->arg);
        }
        else {
            if (!f)
                f = fopen (tmp, "wb");
            if (f) {
                fputc (op->kind == S_INDEX ? 'I' : 'F', f);
                s_put_str (f, op->ticket);
                s_put_str (f, op->text);
                s_put_str (f, op->area);
                s_put_str (f, op->category);
                fwrite (&op->created_ms, sizeof op->created_ms, 1, f);
                saved++;
            }
        }
        s_op_destroy (&op);
    }
    self->tail = NULL;
    self->queued = 0;
    if (f && (fflush (f) != 0 || fsync (fileno (f)) != 0 || fclose (f) != 0
              || rename (tmp, path) != 0))
        saved = 0;
    return saved;
}

//  Queue what the journal holds, then remove it. Returns the count.
static size_t
s_journal_replay (hl_similar_t *self)
{
    char path[4096];
    s_journal_path (self, path, sizeof path, "");
    FILE *f = fopen (path, "rb");
    if (!f)
        return 0;
    size_t n = 0;
    int kind;
    while ((kind = fgetc (f)) == 'I' || kind == 'F') {
        s_op_t *op = calloc (1, sizeof *op);
        if (!op)
            abort ();
        op->kind = kind == 'I' ? S_INDEX : S_FORGET;
        op->owner = self;
        if (s_get_str (f, &op->ticket) || s_get_str (f, &op->text) || s_get_str (f, &op->area)
            || s_get_str (f, &op->category)
            || fread (&op->created_ms, sizeof op->created_ms, 1, f) != 1 || !op->ticket) {
            s_op_destroy (&op);
            break;
        }
        pthread_mutex_lock (&self->mutex);
        s_append (self, op);
        pthread_mutex_unlock (&self->mutex);
        n++;
    }
    fclose (f);
    unlink (path);
    return n;
}

size_t
hl_similar_destroy_within (hl_similar_t **self_p, int budget_ms)
{
    assert (self_p);
    hl_similar_t *self = *self_p;
    if (!self)
        return 0;
    pthread_mutex_lock (&self->mutex);
    self->stopping = 1;
    self->stop_by = budget_ms >= 0 ? s_now_ms () + budget_ms : 0;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    pthread_join (self->thread, NULL);
    hl_kbloop_flush (self->loop);
    size_t saved = s_journal_write (self);
    assert (self->pending == 0 && !self->head);
    s_free (self);
    *self_p = NULL;
    return saved;
}

void
hl_similar_destroy (hl_similar_t **self_p)
{
    hl_similar_destroy_within (self_p, -1);
}

//  Queue OP, unless the queue is full or the service stopping.
static int
s_queue (hl_similar_t *self, s_op_t *op)
{
    int rc = 0;
    pthread_mutex_lock (&self->mutex);
    if (self->stopping)
        rc = HL_SIMILAR_STOPPED;
    else
    if (self->queued >= self->opts.queue_max)
        rc = HL_SIMILAR_FULL;
    else
        s_append (self, op);
    pthread_mutex_unlock (&self->mutex);
    if (rc)
        s_op_destroy (&op);
    return rc;
}

//  True if TEXT is a usable identifier (ticket number, area, category).
static int
s_id_ok (const char *text)
{
    return text && *text && strlen (text) <= S_ID_MAX;
}

static s_op_t *
s_op_new (hl_similar_t *self, s_kind_t kind, const char *ticket, const char *text,
          const char *area, const char *category)
{
    s_op_t *op = calloc (1, sizeof *op);
    if (!op)
        abort ();
    op->kind = kind;
    op->owner = self;
    op->ticket = s_strdup (ticket);
    op->text = s_strdup (text);
    op->area = s_strdup (area);
    op->category = s_strdup (category && *category ? category : NULL);
    return op;
}

int
hl_similar_index (hl_similar_t *self, const char *ticket, const char *text,
                  const char *area, const char *category, int64_t created_ms)
{
    assert (self);
    if (!s_id_ok (ticket) || !s_id_ok (area) || !text
    ||  strlen (text) > HL_SIMILAR_TEXT_MAX
    ||  (category && strlen (category) > S_ID_MAX))
        return HL_SIMILAR_INVALID;
    s_op_t *op = s_op_new (self, S_INDEX, ticket, text, area, category);
    op->created_ms = created_ms;
    return s_queue (self, op);
}

int
hl_similar_forget (hl_similar_t *self, const char *ticket)
{
    assert (self);
    if (!s_id_ok (ticket))
        return HL_SIMILAR_INVALID;
    return s_queue (self, s_op_new (self, S_FORGET, ticket, NULL, NULL, NULL));
}

int
hl_similar_find (hl_similar_t *self, const char *ticket, const char *text,
                 const char *area, const char *category, int64_t since_ms,
                 size_t limit, hl_similar_find_fn *fn, void *arg)
{
    assert (self && fn);
    if (ticket ? !s_id_ok (ticket) : !text || strlen (text) > HL_SIMILAR_TEXT_MAX)
        return HL_SIMILAR_INVALID;
    if ((area && strlen (area) > S_ID_MAX) || (category && strlen (category) > S_ID_MAX))
        return HL_SIMILAR_INVALID;
    s_op_t *op = s_op_new (self, S_FIND, ticket, ticket ? NULL : text,
                           area && *area ? area : NULL, category);
    op->since_ms = since_ms;
    op->limit = limit;
    op->fn = fn;
    op->arg = arg;
    int rc = s_queue (self, op);
    if (rc == 0)
        self->pending++;
    return rc;
}

size_t
hl_similar_queued (hl_similar_t *self)
{
    assert (self);
    pthread_mutex_lock (&self->mutex);
    size_t queued = self->queued;
    pthread_mutex_unlock (&self->mutex);
    return queued;
}

const char *
hl_similar_strerror (int rc)
{
    switch (rc) {
        case 0:
            return "accepted";
        case HL_SIMILAR_INVALID:
            return "similar tickets: ticket number, area or text missing or too long";
        case HL_SIMILAR_FULL:
            return "similar tickets busy: too many operations waiting";
        case HL_SIMILAR_STOPPED:
            return "similar-ticket service is stopping";
        default:
            return "similar tickets: unknown error";
    }
}
