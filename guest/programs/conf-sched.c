/*
 * conf-sched: scheduler calls for the conformance harness (success, failure, NULL and
 * unmapped pointers, a policy with SCHED_RESET_ON_FORK).  Every call goes through
 * syscall() so glibc cannot substitute or skip one.  conf-sched32.c builds this file
 * for i386.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef WORKLOAD
#define WORKLOAD "conf-sched"
#endif

int main(void)
{
    struct sched_param p = {0};
    struct timespec ts;
    cpu_set_t set;
    /* an address with nothing mapped: the calls fail with EFAULT */
    void *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, 4096);

    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_getscheduler, -1); /* EINVAL */
    syscall(SYS_sched_getparam, 0, &p);
    syscall(SYS_sched_getparam, 0, NULL); /* EINVAL */
    syscall(SYS_sched_getparam, 0, gone); /* EFAULT */
    syscall(SYS_sched_setparam, 0, &p);
    p.sched_priority = -1;
    syscall(SYS_sched_setparam, 0, &p); /* EINVAL */
    syscall(SYS_sched_setparam, 0, gone); /* EFAULT */
    p.sched_priority = 0;
    syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, &p);
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER | SCHED_RESET_ON_FORK, &p);
    syscall(SYS_sched_getscheduler, 0);
    syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &p);
    syscall(SYS_sched_setscheduler, 0, 0xfaceda7a, &p); /* EINVAL */
    syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, NULL); /* EINVAL */
    syscall(SYS_sched_setscheduler, -1, SCHED_FIFO, &p); /* EINVAL */
    syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, gone); /* EFAULT */
    syscall(SYS_sched_get_priority_max, SCHED_FIFO);
    syscall(SYS_sched_get_priority_min, SCHED_RR);
    syscall(SYS_sched_get_priority_max, SCHED_OTHER);
    syscall(SYS_sched_get_priority_min, SCHED_DEADLINE);
    syscall(SYS_sched_get_priority_max, SCHED_IDLE);
    syscall(SYS_sched_get_priority_max, 4); /* SCHED_ISO: EINVAL */
    syscall(SYS_sched_get_priority_min, -1); /* EINVAL */
    syscall(SYS_sched_rr_get_interval, 0, &ts);
    syscall(SYS_sched_rr_get_interval, 0, NULL); /* EFAULT */
    syscall(SYS_sched_rr_get_interval, -1, &ts); /* EINVAL */
    syscall(SYS_sched_rr_get_interval, 0, gone); /* EFAULT */
    syscall(SYS_sched_yield);
    CPU_ZERO(&set);
    syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
    syscall(SYS_sched_setaffinity, 0, sizeof(set), &set);
    syscall(SYS_sched_getaffinity, 0, 4, &set); /* EINVAL: shorter than the kernel's mask */
    write(1, WORKLOAD " done\n", strlen(WORKLOAD " done\n"));
    return 0;
}
