/*  hl_kbloop: calls made from worker threads, run on the libevent loop
    thread. See hl_kbloop.h for the design.
*/
#include "hl_kbloop.h"

#include <assert.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct s_call {
    struct s_call *next;
    hl_kbloop_fn *fn;
    void *arg;
} s_call_t;

struct hl_kbloop {
    pthread_mutex_t mutex;
    s_call_t *head;                 //  pending calls, oldest first
    s_call_t *tail;
    int pipe[2];                    //  [0] watched by the loop, [1] written by posters
    struct event *wake;
};

//  Read every wake-up byte: there is at most one per post that found the
//  list empty.
static void
s_drain (int fd)
{
    char bytes[64];
    while (read (fd, bytes, sizeof bytes) > 0)
        ;
}

//  The loop's read event: run what was posted.
static void
s_on_wake (evutil_socket_t fd, short what, void *arg)
{
    (void) fd, (void) what;
    hl_kbloop_flush ((hl_kbloop_t *) arg);
}

hl_kbloop_t *
hl_kbloop_new (struct event_base *base, char *err, size_t errlen)
{
    assert (base);
    hl_kbloop_t *self = calloc (1, sizeof *self);
    if (!self)
        abort ();
    if (pipe2 (self->pipe, O_NONBLOCK | O_CLOEXEC)) {
        snprintf (err, errlen, "cannot create a pipe: %s", strerror (errno));
        free (self);
        return NULL;
    }
    self->wake = event_new (base, self->pipe[0], EV_READ | EV_PERSIST, s_on_wake, self);
    if (!self->wake || event_add (self->wake, NULL)) {
        snprintf (err, errlen, "cannot watch the wake-up pipe");
        if (self->wake)
            event_free (self->wake);
        close (self->pipe[0]);
        close (self->pipe[1]);
        free (self);
        return NULL;
    }
    pthread_mutex_init (&self->mutex, NULL);
    return self;
}

void
hl_kbloop_destroy (hl_kbloop_t **self_p)
{
    assert (self_p);
    hl_kbloop_t *self = *self_p;
    if (!self)
        return;
    while (self->head)
        hl_kbloop_flush (self);
    event_free (self->wake);
    close (self->pipe[0]);
    close (self->pipe[1]);
    pthread_mutex_destroy (&self->mutex);
    free (self);
    *self_p = NULL;
}

void
hl_kbloop_post (hl_kbloop_t *self, hl_kbloop_fn *fn, void *arg)
{
    assert (self && fn);
    s_call_t *call = malloc (sizeof *call);
    if (!call)
        abort ();
    call->next = NULL;
    call->fn = fn;
    call->arg = arg;
    pthread_mutex_lock (&self->mutex);
    int was_empty = self->head == NULL;
    if (self->tail)
        self->tail->next = call;
    else
        self->head = call;
    self->tail = call;
    pthread_mutex_unlock (&self->mutex);
    if (was_empty) {
        ssize_t rc;
        do
            rc = write (self->pipe[1], "", 1);
        while (rc < 0 && errno == EINTR);
        //  EAGAIN would mean a full pipe, that is bytes not yet drained:
        //  the loop is going to run the list anyway.
        assert (rc == 1 || errno == EAGAIN);
    }
}

void
hl_kbloop_flush (hl_kbloop_t *self)
{
    assert (self);
    s_drain (self->pipe[0]);
    pthread_mutex_lock (&self->mutex);
    s_call_t *call = self->head;
    self->head = self->tail = NULL;
    pthread_mutex_unlock (&self->mutex);
    while (call) {
        s_call_t *next = call->next;
        call->fn (call->arg);
        free (call);
        call = next;
    }
}
