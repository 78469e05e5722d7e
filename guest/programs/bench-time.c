/*
 * bench-time CMD [ARG...]: runs CMD (PATH search) and prints how long it took, for the
 * benchmark workloads that are not our own programs (busybox `tar czf`).
 *
 * fork; the child execvp's CMD; the parent waits.  CMD's output passes through; then the
 * elapsed time (CLOCK_MONOTONIC, guest clock) goes to stdout as
 *   vmstrace-bench elapsed_ns=<ns> status=<exit status>
 * and bench-time exits with CMD's status (128+N when a signal N killed it).
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench-time CMD [ARG...]\n");
        return 2;
    }
    unsigned long long t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        perror(argv[1]);
        _exit(127);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    unsigned long long t1 = now_ns();
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    printf("vmstrace-bench elapsed_ns=%llu status=%d\n", t1 - t0, code);
    return code;
}
