/*
 * conf-threads: pthread_create (clone3), per-thread writes and joins for the conformance
 * harness.  The threads run one after the other (created, then joined) so each thread's
 * calls are the same in every run.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *worker(void *arg)
{
    char line[32];
    int n = snprintf(line, sizeof(line), "thread %ld\n", (long)arg);
    write(1, line, (size_t)n);
    syscall(SYS_getpid);
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (long i = 0; i < 3; i++) {
        pthread_create(&t[i], NULL, worker, (void *)i);
        pthread_join(t[i], NULL);
    }
    write(1, "conf-threads done\n", 18);
    return 0;
}
