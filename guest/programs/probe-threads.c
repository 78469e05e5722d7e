/*
 * probe-threads: main and three POSIX threads, each doing file I/O of its own.
 *
 * After libc start-up, main's first pthread_create installs glibc's cancellation handler
 * (rt_sigaction(SIGRT_1, ...), rt_sigprocmask(SIG_UNBLOCK, [RTMIN RT_1], ...)); each
 * pthread_create is then (glibc 2.36) mmap of the stack (PROT_NONE, MAP_STACK), mprotect
 * of all but its guard page, rt_sigprocmask(SIG_BLOCK, ~[]), clone3, rt_sigprocmask
 * (SIG_SETMASK, []). Main then joins threads 1, 2, 3 (a futex wait on each one still
 * running). Each new thread starts with rseq, set_robust_list and rt_sigprocmask
 * (SIG_SETMASK, []); then thread i makes exactly
 *   openat(AT_FDCWD, "/tmp/thread-<i>", O_WRONLY|O_CREAT|O_TRUNC, 0644) = <fd 3, 4 or 5>
 *   write(<fd>, "thread <i>\n", 9) = 9
 *   close(<fd>) = 0
 *   gettid() = <its tid>
 * and returns: rt_sigprocmask(SIG_BLOCK, ~[RT_1]), madvise(<stack>, MADV_DONTNEED),
 * exit(0).
 * The threads run concurrently, so their calls interleave in any order and the fd
 * numbers vary; each thread's own sequence is fixed. Main then makes
 *   write(1, "threads done\n", 13) = 13
 *   exit_group(0)
 * stdout: "threads done\n"; /tmp/thread-<i> holds "thread <i>\n".
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 3

static void *worker(void *arg)
{
    int i = (int)(intptr_t)arg;
    char path[32];
    char line[16];
    snprintf(path, sizeof(path), "/tmp/thread-%d", i);
    int n = snprintf(line, sizeof(line), "thread %d\n", i);
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        return (void *)1;
    long written = syscall(SYS_write, fd, line, (size_t)n);
    syscall(SYS_close, fd);
    syscall(SYS_gettid);
    return (void *)(intptr_t)(written != n);
}

int main(void)
{
    pthread_t threads[NTHREADS];
    int failed = 0;
    for (int i = 0; i < NTHREADS; i++)
        if (pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)(i + 1)) != 0)
            return 1;
    for (int i = 0; i < NTHREADS; i++) {
        void *result;
        pthread_join(threads[i], &result);
        failed |= result != NULL;
    }
    if (failed)
        return 1;
    syscall(SYS_write, 1, "threads done\n", 13);
    return 0;
}
