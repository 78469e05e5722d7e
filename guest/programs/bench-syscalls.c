/*
 * bench-syscalls N: the syscall-bound benchmark workload (vmstrace bench).
 *
 * After libc start-up: pipe2, then N times { write(wfd, "x", 1); read(rfd, buf, 1);
 * getppid() } (3*N calls), then one write(1, "vmstrace-bench ...") and exit_group(0).
 * The loop's own time (CLOCK_MONOTONIC, guest clock) is printed on stdout as
 *   vmstrace-bench elapsed_ns=<ns> calls=<3*N>
 * Default N: 100000 (300,000 calls).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
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
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    int fds[2];
    char c = 'x';
    if (n < 0 || pipe2(fds, O_CLOEXEC) != 0)
        return 2;
    unsigned long long t0 = now_ns();
    for (long i = 0; i < n; i++) {
        if (syscall(SYS_write, fds[1], &c, 1) != 1 || syscall(SYS_read, fds[0], &c, 1) != 1)
            return 1;
        syscall(SYS_getppid);
    }
    unsigned long long t1 = now_ns();
    char line[96];
    int len = snprintf(line, sizeof(line), "vmstrace-bench elapsed_ns=%llu calls=%ld\n",
                       t1 - t0, 3 * n);
    return syscall(SYS_write, 1, line, len) == len ? 0 : 1;
}
