/*
 * bench-files N: the file-system benchmark workload (vmstrace bench).
 *
 * In a fresh directory /tmp/vmstrace-bench-files: N times { openat(O_CREAT|O_WRONLY)
 * "f<i>"; write 64 bytes; close; stat; rename "f<i>" -> "g<i>" }, then N unlinks of
 * "g<i>" and the directory's rmdir: 6*N+2 calls (mkdir, rmdir).  The time of that part
 * (CLOCK_MONOTONIC, guest clock) is printed on stdout as
 *   vmstrace-bench elapsed_ns=<ns> calls=<6*N+2>
 * Default N: 3000.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DIR_PATH "/tmp/vmstrace-bench-files"

static unsigned long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 3000;
    char data[64], a[64], b[64];
    struct stat st;
    memset(data, 'v', sizeof(data));
    if (n < 0)
        return 2;
    unsigned long long t0 = now_ns();
    if (mkdir(DIR_PATH, 0755) != 0)
        return 1;
    for (long i = 0; i < n; i++) {
        snprintf(a, sizeof(a), DIR_PATH "/f%ld", i);
        snprintf(b, sizeof(b), DIR_PATH "/g%ld", i);
        int fd = open(a, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0 || write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) || close(fd))
            return 1;
        if (stat(a, &st) != 0 || st.st_size != (off_t)sizeof(data) || rename(a, b) != 0)
            return 1;
    }
    for (long i = 0; i < n; i++) {
        snprintf(b, sizeof(b), DIR_PATH "/g%ld", i);
        if (unlink(b) != 0)
            return 1;
    }
    if (rmdir(DIR_PATH) != 0)
        return 1;
    unsigned long long t1 = now_ns();
    printf("vmstrace-bench elapsed_ns=%llu calls=%ld\n", t1 - t0, 6 * n + 2);
    return 0;
}
