/*
 * hostile-badnr N [BASE]: N system calls with N distinct numbers no kernel has, BASE (default
 * 0x10000) upwards; each fails with ENOSYS.  Under -c a tracer that keeps a row per number
 * grows without bound.  stdout: "enosys N\n" when every call failed with ENOSYS.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 0) : 1000;
    long base = argc > 2 ? strtol(argv[2], NULL, 0) : 0x10000;
    long enosys = 0;
    for (long i = 0; i < n; i++) {
        if (syscall(base + i) == -1 && errno == ENOSYS)
            enosys++;
    }
    printf("enosys %ld\n", enosys);
    return enosys == n ? 0 : 3;
}
