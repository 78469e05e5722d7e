/*
 * probe32-structs: a 32-bit (i386) static program whose calls pass structures, so their
 * i386 layouts are decoded (stat64, iovec, old timespec/timeval, sigaction, user_desc...).
 * Every call is made with syscall(2) so the i386 call is exactly the one named.
 *
 * After libc start-up (which makes set_thread_area), in order (strace -f of this binary
 * on a 64-bit host prints the same, addresses and times aside):
 *   mkdir("/tmp/s32d", 0755) = 0
 *   open("/tmp/s32d/f", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3
 *   writev(3, [{iov_base="hello ", iov_len=6}, {iov_base="world\n", iov_len=6}], 2) = 12
 *   fchmod(3, 0644) = 0
 *   fstat64(3, {st_mode=S_IFREG|0644, st_size=12, ...}) = 0
 *   fcntl64(3, F_GETFL) = 0x1 (flags O_WRONLY)
 *   fcntl64(3, F_SETFD, FD_CLOEXEC) = 0
 *   close(3) = 0
 *   stat64("/tmp/s32d/f", {st_mode=S_IFREG|0644, st_size=12, ...}) = 0
 *   lstat64("/nonexistent32", 0x...) = -1 ENOENT (No such file or directory)
 *   fstatat64(AT_FDCWD, "/dev/null", {st_mode=S_IFCHR|0666, st_rdev=makedev(0x1, 0x3), ...}, 0) = 0
 *   open("/tmp/s32d/f", O_RDONLY) = 3
 *   _llseek(3, 6, [6], SEEK_SET) = 0
 *   readv(3, [{iov_base="wor", iov_len=3}, {iov_base="ld\n", iov_len=10}], 2) = 6
 *   mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0) = 0x...
 *   mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, 3, 0x1000) = 0x...
 *   close(3) = 0
 *   open("/tmp/s32d", O_RDONLY|O_DIRECTORY) = 3
 *   getdents64(3, 0x... (3 entries), 1024) = 72
 *   close(3) = 0
 *   pipe([3, 4]) = 0
 *   write(4, "abcde", 5) = 5
 *   ioctl(3, FIONREAD, [5]) = 0
 *   clock_gettime(CLOCK_MONOTONIC, {tv_sec=..., tv_nsec=...}) = 0
 *   clock_gettime64(CLOCK_REALTIME, {tv_sec=..., tv_nsec=...}) = 0
 *   nanosleep({tv_sec=0, tv_nsec=1000000}, NULL) = 0
 *   gettimeofday({tv_sec=..., tv_usec=...}, NULL) = 0
 *   uname({sysname="Linux", nodename="...", ...}) = 0
 *   rt_sigaction(SIGUSR1, {sa_handler=SIG_IGN, sa_mask=[USR2], sa_flags=SA_RESTART}, {sa_handler=SIG_DFL, sa_mask=[], sa_flags=0}, 8) = 0
 *   rt_sigprocmask(SIG_BLOCK, [USR1], [], 8) = 0
 *   socket(AF_UNIX, SOCK_STREAM, 0) = 5          (socketcall(SYS_SOCKET, ...))
 *   listen(99, 1) = -1 EBADF (Bad file descriptor)   (socketcall(SYS_LISTEN, ...))
 *   setrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=0}) = 0
 *   ugetrlimit(RLIMIT_CORE, {rlim_cur=0, rlim_max=0}) = 0
 *   prlimit64(0, RLIMIT_CORE, NULL, {rlim_cur=0, rlim_max=0}) = 0
 *   fork() = <child>                              (the child exits 3)
 *   waitpid(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0) = <child>
 *   fork() = <child2>                             (the child exits 0)
 *   wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, {ru_utime=..., ru_stime=..., ...}) = <child2>
 *   fork() = <child3>                             (the child exits 5)
 *   waitid(P_PID, <child3>, {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=<child3>, si_uid=0, si_status=5, si_utime=0, si_stime=0}, WEXITED, NULL) = 0
 *   exit_group(0)
 * stdout: "structs32 ok\n".
 */
#include <fcntl.h>
#include <linux/net.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FILE_PATH "/tmp/s32d/f"

/* the kernel's i386 struct sigaction for rt_sigaction (4-byte handler, flags, restorer) */
struct ksigaction32 {
    uint32_t handler, flags, restorer;
    uint64_t mask;
};

static uint64_t sigbit(int sig)
{
    return 1ull << (sig - 1);
}

static long forked(int code)
{
    long pid = syscall(SYS_fork);
    if (pid == 0) {
        syscall(SYS_exit, code);
    }
    return pid;
}

int main(void)
{
    char st[96], a[3], b[10];
    static char dents[1024];
    syscall(SYS_mkdir, "/tmp/s32d", 0755);
    long fd = syscall(SYS_open, FILE_PATH, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    struct iovec wv[2] = {{"hello ", 6}, {"world\n", 6}};
    syscall(SYS_writev, fd, wv, 2);
    syscall(SYS_fchmod, fd, 0644);
    syscall(SYS_fstat64, fd, st);
    syscall(SYS_fcntl64, fd, F_GETFL);
    syscall(SYS_fcntl64, fd, F_SETFD, FD_CLOEXEC);
    syscall(SYS_close, fd);
    syscall(SYS_stat64, FILE_PATH, st);
    syscall(SYS_lstat64, "/nonexistent32", st);
    syscall(SYS_fstatat64, AT_FDCWD, "/dev/null", st, 0);

    fd = syscall(SYS_open, FILE_PATH, O_RDONLY);
    uint64_t pos = 0;
    syscall(SYS__llseek, fd, 0, 6, &pos, SEEK_SET);
    struct iovec rv[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    syscall(SYS_readv, fd, rv, 2);
    long m1 = syscall(SYS_mmap2, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    long m2 = syscall(SYS_mmap2, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 1);
    syscall(SYS_munmap, m1, 4096);
    syscall(SYS_munmap, m2, 4096);
    syscall(SYS_close, fd);

    fd = syscall(SYS_open, "/tmp/s32d", O_RDONLY | O_DIRECTORY);
    syscall(SYS_getdents64, fd, dents, sizeof(dents));
    syscall(SYS_close, fd);

    int p[2];
    int avail = 0;
    syscall(SYS_pipe, p);
    syscall(SYS_write, p[1], "abcde", 5);
    syscall(SYS_ioctl, p[0], FIONREAD, &avail);

    uint32_t ts32[2], tv32[2];
    uint64_t ts64[2];
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts32);
    syscall(SYS_clock_gettime64, CLOCK_REALTIME, ts64);
    uint32_t nap[2] = {0, 1000000};
    syscall(SYS_nanosleep, nap, 0);
    syscall(SYS_gettimeofday, tv32, 0);
    static char uts[6 * 65];
    syscall(SYS_uname, uts);

    struct ksigaction32 act = {(uint32_t)(uintptr_t)SIG_IGN, SA_RESTART, 0, sigbit(SIGUSR2)};
    struct ksigaction32 old;
    syscall(SYS_rt_sigaction, SIGUSR1, &act, &old, 8);
    uint64_t set = sigbit(SIGUSR1), oldset;
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, &oldset, 8);

    uint32_t sock_args[3] = {AF_UNIX, SOCK_STREAM, 0};
    syscall(SYS_socketcall, SYS_SOCKET, sock_args);
    uint32_t listen_args[2] = {99, 1};
    syscall(SYS_socketcall, SYS_LISTEN, listen_args);

    uint32_t rl[2] = {0, 0};
    uint64_t rl64[2];
    syscall(SYS_setrlimit, RLIMIT_CORE, rl);
    syscall(SYS_ugetrlimit, RLIMIT_CORE, rl);
    syscall(SYS_prlimit64, 0, RLIMIT_CORE, 0, rl64);

    int status;
    char ru[72];
    forked(3);
    syscall(SYS_waitpid, -1, &status, 0);
    forked(0);
    syscall(SYS_wait4, -1, &status, 0, ru);
    siginfo_t info; /* i386's: the union at offset 12; waitid leaves the clocks unwritten */
    memset(&info, 0, sizeof info);
    long child = forked(5);
    syscall(SYS_waitid, P_PID, child, &info, WEXITED, 0);

    syscall(SYS_write, 1, "structs32 ok\n", 13);
    return 0;
}
