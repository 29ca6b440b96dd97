/*
 * workers.c - the threads that run the application's handler.  A FIFO of jobs
 * under one mutex.  The I/O thread gathers the requests of one loop iteration
 * and hands them over in one batch (one lock, as many wake-ups as there are
 * idle workers for them); finished jobs go on a completion list and the I/O
 * thread is woken through an eventfd only when that list was empty, so a
 * burst of completions costs one wake-up.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport.h"

struct worker_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    http_job *head, *tail;         /* waiting for a worker */
    http_job *done;                /* finished, for the I/O thread */
    int idle;                      /* workers waiting on cv */
    http_job *batch, *batch_tail;  /* I/O thread only: submitted, not yet handed over */
    int batch_len;
    bool stopping;
    int wake_fd;
    http_handler_fn handler;
    int n;
    pthread_t *threads;
    struct worker_arg { worker_pool *pool; void *ctx; } *args;
};

static http_job *next_job(worker_pool *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->head && !p->stopping) {
        p->idle++;
        pthread_cond_wait(&p->cv, &p->mu);
        p->idle--;
    }
    http_job *job = p->head;
    if (job) {
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
    }
    pthread_mutex_unlock(&p->mu);
    return job;
}

static void finish_job(worker_pool *p, http_job *job)
{
    pthread_mutex_lock(&p->mu);
    bool was_empty = p->done == NULL;
    job->next = p->done;
    p->done = job;
    pthread_mutex_unlock(&p->mu);
    if (was_empty) {
        uint64_t one = 1;
        while (write(p->wake_fd, &one, sizeof one) < 0 && errno == EINTR)
            ;
    }
}

static void *worker_main(void *arg)
{
    struct worker_arg *wa = arg;
    worker_pool *p = wa->pool;
    http_job *job;
    while ((job = next_job(p))) {
        job->resp.status = 200;
        job->resp.content_type = NULL;
        json_buf_reset(&job->resp.body);
        p->handler(wa->ctx, &job->req, &job->resp);
        finish_job(p, job);
    }
    return NULL;
}

worker_pool *workers_start(int n, http_handler_fn handler, void **contexts, int wake_fd,
                           char *err, size_t errlen)
{
    worker_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->threads = calloc((size_t)n, sizeof *p->threads)) ||
        !(p->args = calloc((size_t)n, sizeof *p->args))) {
        snprintf(err, errlen, "out of memory starting %d workers", n);
        if (p)
            free(p->threads);
        free(p);
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->wake_fd = wake_fd;
    p->handler = handler;
    for (int i = 0; i < n; i++) {
        p->args[i] = (struct worker_arg){ p, contexts[i] };
        int rc = pthread_create(&p->threads[i], NULL, worker_main, &p->args[i]);
        if (rc) {
            snprintf(err, errlen, "cannot start worker thread %d: %s", i, strerror(rc));
            workers_stop(p);
            return NULL;
        }
        p->n = i + 1;
    }
    return p;
}

void workers_submit(worker_pool *p, http_job *job)
{
    job->next = NULL;
    if (p->batch_tail)
        p->batch_tail->next = job;
    else
        p->batch = job;
    p->batch_tail = job;
    p->batch_len++;
}

void workers_flush(worker_pool *p)
{
    if (!p->batch)
        return;
    pthread_mutex_lock(&p->mu);
    if (p->tail)
        p->tail->next = p->batch;
    else
        p->head = p->batch;
    p->tail = p->batch_tail;
    int wake = p->batch_len < p->idle ? p->batch_len : p->idle;
    if (wake == p->idle)
        pthread_cond_broadcast(&p->cv);
    else
        while (wake--)
            pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    p->batch = p->batch_tail = NULL;
    p->batch_len = 0;
}

http_job *workers_take_done(worker_pool *p)
{
    pthread_mutex_lock(&p->mu);
    http_job *list = p->done;
    p->done = NULL;
    pthread_mutex_unlock(&p->mu);
    return list;
}

void workers_stop(worker_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p->args);
    free(p);
}
