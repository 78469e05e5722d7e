/*
 * probe-basic: one of each common file, process and time syscall, in a fixed order.
 *
 * Every call is a raw syscall(), so glibc cannot substitute another one (its open() is
 * openat, its nanosleep() is clock_nanosleep, its stat() is newfstatat). In the vmstrace
 * guest (launched by vmstrace-exec from PID 1, fds 0-2 open, cwd "/"), the syscalls
 * after libc start-up are exactly:
 *
 *   openat(AT_FDCWD, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3
 *   read(3, "vmstrace-guest\n", 255) = 15
 *   write(1, "hostname=vmstrace-guest\n", 24) = 24
 *   close(3) = 0
 *   openat(AT_FDCWD, "/nonexistent/vmstrace", O_RDONLY) = -1 ENOENT
 *   getpid() = <pid>
 *   getppid() = 1                 (init forked the launcher; other parents are accepted)
 *   gettid() = <pid>
 *   uname({sysname="Linux", nodename="vmstrace-guest", ...}) = 0
 *   mkdir("/tmp/vmstrace-dir", 0755) = 0
 *   rmdir("/tmp/vmstrace-dir") = 0
 *   pipe2([3, 4], O_CLOEXEC) = 0
 *   write(4, "hello", 5) = 5
 *   read(3, "hello", 5) = 5
 *   dup(3) = 5
 *   dup2(5, 10) = 10
 *   close(10) = 0
 *   close(5) = 0
 *   close(4) = 0
 *   close(3) = 0
 *   openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3
 *   lseek(3, 0, SEEK_END) = 15
 *   fstat(3, {st_mode=S_IFREG|0644, st_size=15, ...}) = 0
 *   newfstatat(AT_FDCWD, "/etc/hostname", {st_mode=S_IFREG|0644, st_size=15, ...}, 0) = 0
 *   close(3) = 0
 *   access("/etc/passwd", R_OK) = 0
 *   getcwd("/", 256) = 2
 *   chdir("/tmp") = 0
 *   getrandom(<16 random bytes>, 16, 0) = 16
 *   nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = 0
 *   exit_group(0)
 *
 * stdout: "hostname=vmstrace-guest\n". When a result differs from the list above the
 * program says which on stderr (extra writes) and exits 1 at once.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void check(const char *what, long got, long want)
{
    if (got == want)
        return;
    char line[128];
    int n = snprintf(line, sizeof(line), "probe-basic: %s returned %ld, expected %ld\n", what,
                     got, want);
    syscall(SYS_write, 2, line, (size_t)n);
    syscall(SYS_exit_group, 1);
}

int main(void)
{
    char buf[256];
    char line[300];
    struct utsname uts;
    struct stat st;
    int fds[2];

    long fd = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY | O_CLOEXEC);
    check("openat /etc/hostname", fd, 3);
    long n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
    check("read /etc/hostname", n, 15);
    memcpy(line, "hostname=", 9);
    memcpy(line + 9, buf, (size_t)n);
    check("write stdout", syscall(SYS_write, 1, line, (size_t)n + 9), n + 9);
    check("close", syscall(SYS_close, fd), 0);

    check("openat /nonexistent/vmstrace",
          syscall(SYS_openat, AT_FDCWD, "/nonexistent/vmstrace", O_RDONLY), -1);

    long pid = syscall(SYS_getpid);
    long ppid = syscall(SYS_getppid);
    check("getppid > 0", ppid > 0, 1); /* 1 under vmstrace-exec; not when run by strace */
    check("gettid", syscall(SYS_gettid), pid);
    check("uname", syscall(SYS_uname, &uts), 0);

    check("mkdir", syscall(SYS_mkdir, "/tmp/vmstrace-dir", 0755), 0);
    check("rmdir", syscall(SYS_rmdir, "/tmp/vmstrace-dir"), 0);

    check("pipe2", syscall(SYS_pipe2, fds, O_CLOEXEC), 0);
    check("write pipe", syscall(SYS_write, fds[1], "hello", 5), 5);
    check("read pipe", syscall(SYS_read, fds[0], buf, 5), 5);
    long copy = syscall(SYS_dup, fds[0]);
    check("dup", copy, 5);
    check("dup2", syscall(SYS_dup2, copy, 10), 10);
    check("close 10", syscall(SYS_close, 10), 0);
    check("close dup", syscall(SYS_close, copy), 0);
    check("close pipe write end", syscall(SYS_close, fds[1]), 0);
    check("close pipe read end", syscall(SYS_close, fds[0]), 0);

    fd = syscall(SYS_openat, AT_FDCWD, "/etc/hostname", O_RDONLY);
    check("openat /etc/hostname again", fd, 3);
    check("lseek", syscall(SYS_lseek, fd, 0, SEEK_END), 15);
    check("fstat", syscall(SYS_fstat, fd, &st), 0);
    check("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, "/etc/hostname", &st, 0), 0);
    check("close", syscall(SYS_close, fd), 0);

    check("access", syscall(SYS_access, "/etc/passwd", R_OK), 0);
    check("getcwd", syscall(SYS_getcwd, buf, 256), 2);
    check("chdir", syscall(SYS_chdir, "/tmp"), 0);
    check("getrandom", syscall(SYS_getrandom, buf, 16, 0), 16);
    struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
    check("nanosleep", syscall(SYS_nanosleep, &ms, NULL), 0);
    return 0;
}
