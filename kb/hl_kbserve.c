/*  hl_kbserve: knowledge-base searches on a thread pool, answered on the
    libevent loop thread. See hl_kbserve.h.

    Threads take searches from one queue (a list under a mutex, with a
    condition variable). A finished search travels back through hl_kbloop
    with its results; the loop thread calls the caller's function and
    frees everything. Only the loop thread touches `pending` and
    `stopping` outside the mutex (it is the only writer of `stopping`).
*/
#include "hl_kbserve.h"
#include "hl_kbloop.h"

#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_THREADS_DEFAULT 2
#define S_THREADS_MAX 64
#define S_QUEUE_DEFAULT 256

//  One search, from hl_kbserve_search to its callback.
typedef struct s_job {
    struct s_job *next;
    hl_kbserve_t *server;
    char *query;
    hl_kb_query_t filters;          //  strings point to copies below
    char *unit, *category, *hi_start, *hi_end;
    hl_kbserve_search_fn *fn;
    void *arg;
    hl_kb_results_t *results;       //  set by the search thread
    char error[512];                //  set by the search thread on failure
} s_job_t;

struct hl_kbserve {
    char *path;
    pthread_t *threads;
    size_t threads_size;
    size_t queue_max;
    hl_kbloop_t *loop;
    pthread_mutex_t mutex;
    pthread_cond_t cond;            //  signalled on new work and on stop
    s_job_t *head, *tail;           //  waiting searches, oldest first
    size_t queued;
    int stopping;
    size_t pending;                 //  accepted, not yet answered (loop thread)
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

//  A job for QUERY with private copies of every string.
static s_job_t *
s_job_new (hl_kbserve_t *server, const char *query, const hl_kb_query_t *filters,
           hl_kbserve_search_fn *fn, void *arg)
{
    s_job_t *job = calloc (1, sizeof *job);
    if (!job)
        abort ();
    job->server = server;
    job->query = s_strdup (query);
    if (filters)
        job->filters = *filters;
    job->filters.unit = job->unit = s_strdup (job->filters.unit);
    job->filters.category = job->category = s_strdup (job->filters.category);
    job->filters.hi_start = job->hi_start = s_strdup (job->filters.hi_start);
    job->filters.hi_end = job->hi_end = s_strdup (job->filters.hi_end);
    job->fn = fn;
    job->arg = arg;
    return job;
}

static void
s_job_destroy (s_job_t **job_p)
{
    s_job_t *job = *job_p;
    hl_kb_results_destroy (&job->results);
    free (job->query);
    free (job->unit);
    free (job->category);
    free (job->hi_start);
    free (job->hi_end);
    free (job);
    *job_p = NULL;
}

//  On the loop thread: answer the caller, once, and free the job. While
//  the service is being destroyed every answer is an error, as promised.
static void
s_deliver (void *arg)
{
    s_job_t *job = (s_job_t *) arg;
    hl_kbserve_t *self = job->server;
    assert (self->pending > 0);
    self->pending--;
    if (self->stopping)
        job->fn (NULL, "knowledge base service stopped", job->arg);
    else
    if (job->results)
        job->fn (job->results, NULL, job->arg);
    else
        job->fn (NULL, job->error, job->arg);
    s_job_destroy (&job);
}

//  On a search thread: bring the thread's reader *KB up to date (opening
//  it if needed) and run the search.
static void
s_run (hl_kbserve_t *self, hl_kb_t **kb, s_job_t *job)
{
    char err[400];
    if (*kb && hl_kb_reopen (*kb, err, sizeof err))
        hl_kb_destroy (kb);         //  replaced or damaged: open it anew
    if (!*kb)
        *kb = hl_kb_new (self->path, err, sizeof err);
    if (!*kb) {
        snprintf (job->error, sizeof job->error,
                  "knowledge base %s cannot be opened: %s", self->path, err);
        return;
    }
    if (hl_kb_search (*kb, job->query, &job->filters, &job->results, err, sizeof err))
        snprintf (job->error, sizeof job->error, "knowledge base search failed: %s", err);
}

//  The next waiting search, or NULL when the service stops.
static s_job_t *
s_take (hl_kbserve_t *self)
{
    pthread_mutex_lock (&self->mutex);
    while (!self->head && !self->stopping)
        pthread_cond_wait (&self->cond, &self->mutex);
    s_job_t *job = NULL;
    if (!self->stopping) {
        job = self->head;
        self->head = job->next;
        if (!self->head)
            self->tail = NULL;
        self->queued--;
    }
    pthread_mutex_unlock (&self->mutex);
    return job;
}

//  A search thread: its own reader, searches until stopped.
static void *
s_thread (void *arg)
{
    hl_kbserve_t *self = (hl_kbserve_t *) arg;
    hl_kb_t *kb = NULL;
    s_job_t *job;
    while ((job = s_take (self)))  {
        s_run (self, &kb, job);
        hl_kbloop_post (self->loop, s_deliver, job);
    }
    hl_kb_destroy (&kb);
    return NULL;
}

//  Stop and join the first COUNT threads.
static void
s_stop_threads (hl_kbserve_t *self, size_t count)
{
    pthread_mutex_lock (&self->mutex);
    self->stopping = 1;
    pthread_cond_broadcast (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    for (size_t i = 0; i < count; i++)
        pthread_join (self->threads[i], NULL);
}

//  Free what hl_kbserve_new allocated; threads are stopped.
static void
s_free (hl_kbserve_t *self)
{
    hl_kbloop_destroy (&self->loop);
    pthread_cond_destroy (&self->cond);
    pthread_mutex_destroy (&self->mutex);
    free (self->threads);
    free (self->path);
    free (self);
}

hl_kbserve_t *
hl_kbserve_new (struct event_base *base, const hl_kbserve_opts_t *opts,
                char *err, size_t errlen)
{
    assert (base && opts);
    if (!opts->path || !*opts->path) {
        snprintf (err, errlen, "knowledge base: no index path");
        return NULL;
    }
    if (opts->threads > S_THREADS_MAX) {
        snprintf (err, errlen, "knowledge base: at most %d search threads", S_THREADS_MAX);
        return NULL;
    }
    hl_kbloop_t *loop = hl_kbloop_new (base, err, errlen);
    if (!loop)
        return NULL;
    hl_kbserve_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    self->loop = loop;
    self->path = s_strdup (opts->path);
    self->queue_max = opts->queue_max ? opts->queue_max : S_QUEUE_DEFAULT;
    self->threads_size = opts->threads ? opts->threads : S_THREADS_DEFAULT;
    self->threads = calloc (self->threads_size, sizeof *self->threads);
    if (!self->threads)
        abort ();
    pthread_mutex_init (&self->mutex, NULL);
    pthread_cond_init (&self->cond, NULL);
    for (size_t i = 0; i < self->threads_size; i++) {
        int rc = pthread_create (&self->threads[i], NULL, s_thread, self);
        if (rc) {
            snprintf (err, errlen, "knowledge base: cannot start a search thread: %s",
                      strerror (rc));
            s_stop_threads (self, i);
            s_free (self);
            return NULL;
        }
    }
    return self;
}

void
hl_kbserve_destroy (hl_kbserve_t **self_p)
{
    assert (self_p);
    hl_kbserve_t *self = *self_p;
    if (!self)
        return;
    s_stop_threads (self, self->threads_size);
    //  Finished searches not yet delivered, then those never started:
    //  all answered with an error (stopping is set).
    hl_kbloop_flush (self->loop);
    while (self->head) {
        s_job_t *job = self->head;
        self->head = job->next;
        s_deliver (job);
    }
    self->tail = NULL;
    assert (self->pending == 0);
    s_free (self);
    *self_p = NULL;
}

int
hl_kbserve_search (hl_kbserve_t *self, const char *query, const hl_kb_query_t *filters,
                   hl_kbserve_search_fn *fn, void *arg)
{
    assert (self && fn);
    if (!query || !*query || strlen (query) > HL_KBSERVE_QUERY_MAX)
        return HL_KBSERVE_INVALID;
    if (self->stopping)
        return HL_KBSERVE_STOPPED;
    pthread_mutex_lock (&self->mutex);
    int full = self->queued >= self->queue_max;
    pthread_mutex_unlock (&self->mutex);
    if (full)
        return HL_KBSERVE_FULL;
    s_job_t *job = s_job_new (self, query, filters, fn, arg);
    pthread_mutex_lock (&self->mutex);
    if (self->tail)
        self->tail->next = job;
    else
        self->head = job;
    self->tail = job;
    self->queued++;
    pthread_cond_signal (&self->cond);
    pthread_mutex_unlock (&self->mutex);
    self->pending++;
    return 0;
}

size_t
hl_kbserve_pending (hl_kbserve_t *self)
{
    assert (self);
    return self->pending;
}

const char *
hl_kbserve_strerror (int rc)
{
    switch (rc) {
        case 0:
            return "accepted";
        case HL_KBSERVE_INVALID:
            return "knowledge base query is empty or too long";
        case HL_KBSERVE_FULL:
            return "knowledge base busy: too many searches waiting, try again shortly";
        case HL_KBSERVE_STOPPED:
            return "knowledge base service is stopping";
        default:
            return "knowledge base: unknown error";
    }
}
