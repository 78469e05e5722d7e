/*
 * bench-procs N: the process benchmark workload (vmstrace bench).
 *
 * N times: fork; the child execs "/vmstrace/bin/bench-procs --child", which exits 0 at
 * once; the parent waits for it.  The time of the loop (CLOCK_MONOTONIC, guest clock) is
 * printed on stdout as
 *   vmstrace-bench elapsed_ns=<ns> procs=<N>
 * Default N: 300.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--child") == 0)
        return 0;
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 300;
    if (n < 0)
        return 2;
    unsigned long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        pid_t pid = fork();
        if (pid < 0)
            return 1;
        if (pid == 0) {
            char *child[] = {"bench-procs", "--child", NULL};
            execve("/vmstrace/bin/bench-procs", child, environ);
            _exit(127);
        }
        int status;
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
            return 1;
    }
    unsigned long long t1 = now_ns();
    printf("vmstrace-bench elapsed_ns=%llu procs=%ld\n", t1 - t0, n);
    return 0;
}
