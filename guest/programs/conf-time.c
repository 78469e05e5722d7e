/*
 * conf-time: clock and sleep calls for the conformance harness.  glibc answers
 * clock_gettime, gettimeofday and time from the vDSO without a syscall, so those go
 * through syscall().
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    struct timespec ts, rem;
    struct timeval tv;
    struct tms t;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts);
    syscall(SYS_clock_gettime, 1234, &ts); /* EINVAL */
    syscall(SYS_clock_getres, CLOCK_MONOTONIC, &ts);
    syscall(SYS_gettimeofday, &tv, NULL);
    syscall(SYS_time, NULL);
    times(&t);
    ts.tv_sec = 0;
    ts.tv_nsec = 2000000;
    nanosleep(&ts, &rem);
    ts.tv_nsec = 1000000;
    clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 1000000;
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    ts.tv_nsec = 2000000000; /* EINVAL */
    nanosleep(&ts, NULL);
    struct itimerval it = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
    getitimer(ITIMER_REAL, &it);
    write(1, "conf-time done\n", 15);
    return 0;
}
