/*
 * probe-whoami: what the guest kernel itself says about each thread, to check vmstrace's
 * attribution (pid, tid, ppid, comm, uid, euid) against.
 *
 * Main and two threads each print their own /proc status lines (main: /proc/self/status,
 * the threads: /proc/thread-self/status), prefixed by a role, in one write(2) each:
 *   <role> Name:\t<comm>
 *   <role> Pid:\t<tid>
 *   <role> Tgid:\t<pid>
 *   <role> PPid:\t<ppid>
 *   <role> Uid:\t<real>\t<effective>\t<saved>\t<fs>
 * and then make one recognisable call:
 *   faccessat(AT_FDCWD, "/vmstrace-whoami/<role>", F_OK) = -1 ENOENT
 * Roles: "main"; "t1", which names itself whoami-t1 (prctl PR_SET_NAME) and sets its own
 * real uid to 4321; "t2", named whoami-t2, with effective uid 1234.  The uid changes are
 * raw setresuid system calls, which (unlike glibc's setresuid) change only the calling
 * thread's credentials, so every thread has different uids.  The two threads run at the
 * same time (on two vCPUs when there are two).
 * Before the threads, main prints "main pti <yes|no>" (the `pti` CPU flag in /proc/cpuinfo:
 * kernel page-table isolation is on) and "main cpus <n>" (online CPUs).
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define OUT_MAX 2048

static const char *const wanted[] = {"Name:", "Pid:", "Tgid:", "PPid:", "Uid:"};

/* Reads a whole small /proc file; returns its length (0 on failure). */
static size_t slurp(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    size_t len = 0;
    ssize_t n;
    if (fd < 0)
        return 0;
    while (len + 1 < cap && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = 0;
    return len;
}

/* Prints the wanted status lines with the role prefix in one write, then the marker. */
static int report(const char *role, const char *status_path)
{
    char status[8192], out[OUT_MAX], marker[64], *save = NULL;
    size_t used = 0;
    if (slurp(status_path, status, sizeof(status)) == 0)
        return 1;
    for (char *line = strtok_r(status, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
            if (strncmp(line, wanted[i], strlen(wanted[i])) == 0 && used < sizeof(out)) {
                int n = snprintf(out + used, sizeof(out) - used, "%s %s\n", role, line);
                if (n > 0)
                    used += (size_t)n;
            }
        }
    }
    if (used > sizeof(out))
        used = sizeof(out);
    if (write(1, out, used) != (ssize_t)used)
        return 1;
    snprintf(marker, sizeof(marker), "/vmstrace-whoami/%s", role);
    syscall(SYS_faccessat, AT_FDCWD, marker, F_OK);
    return 0;
}

struct role {
    const char *name, *comm;
    long ruid, euid;
};

static void *thread_main(void *arg)
{
    const struct role *r = arg;
    prctl(PR_SET_NAME, r->comm, 0, 0, 0);
    if (syscall(SYS_setresuid, r->ruid, r->euid, -1L) != 0)
        return (void *)1;
    return (void *)(long)report(r->name, "/proc/thread-self/status");
}

int main(void)
{
    static const struct role roles[2] = {
        {"t1", "whoami-t1", 4321, -1},
        {"t2", "whoami-t2", -1, 1234},
    };
    static char cpuinfo[1 << 16];
    char line[64];
    pthread_t threads[2];
    int failed = 0;

    slurp("/proc/cpuinfo", cpuinfo, sizeof(cpuinfo));
    int n = snprintf(line, sizeof(line), "main pti %s\nmain cpus %ld\n",
                     strstr(cpuinfo, " pti ") || strstr(cpuinfo, " pti\n") ? "yes" : "no",
                     sysconf(_SC_NPROCESSORS_ONLN));
    if (write(1, line, (size_t)n) != n)
        return 1;
    failed |= report("main", "/proc/self/status");
    for (int i = 0; i < 2; i++)
        if (pthread_create(&threads[i], NULL, thread_main, (void *)&roles[i]) != 0)
            return 1;
    for (int i = 0; i < 2; i++) {
        void *result;
        pthread_join(threads[i], &result);
        failed |= result != NULL;
    }
    return failed;
}
