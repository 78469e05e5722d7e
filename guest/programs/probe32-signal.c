/*
 * probe32-signal: a 32-bit (i386) static program whose calls return into signal handlers.
 *
 * An i386 caller's call that returns into a handler has the signal number in eax, not its
 * result: the result is in the frame the kernel pushed, which is rt_sigframe_ia32 for a
 * handler with SA_SIGINFO and sigframe_ia32 for one without.  A restarted call resumes at
 * its `int $0x80` (for the vDSO's entry, the one 2 bytes after the sysenter/syscall).
 *
 * After libc start-up (i386 names; the mask each sigreturn restores has a bit in each word):
 *   rt_sigprocmask(SIG_BLOCK, [HUP RT_3], NULL, 8) = 0
 *   rt_sigaction(SIGUSR2, {sa_handler=..., sa_mask=[], sa_flags=0}, NULL, 8) = 0
 *   rt_sigaction(SIGUSR1, {sa_handler=..., sa_mask=[USR2], sa_flags=SA_SIGINFO}, NULL, 8) = 0
 *   getpid() = <pid>
 *   kill(<pid>, SIGUSR1) = 0                                  (the vDSO; rt_sigframe_ia32)
 *   --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=<pid>, si_uid=0} ---
 *   kill(<pid>, SIGUSR2) = 0                                  (blocked in the handler)
 *   rt_sigreturn({mask=[HUP RT_3]}) = 0                       (unblocks it: delivered here)
 *   --- SIGUSR2 {si_signo=SIGUSR2} ---
 *   sigreturn({mask=[HUP RT_3]}) = 0
 *   kill(<pid>, SIGUSR2) = 0                                  (int $0x80; sigframe_ia32)
 *   --- SIGUSR2 {si_signo=SIGUSR2} ---
 *   sigreturn({mask=[HUP RT_3]}) = 0
 *   rt_sigaction(SIGALRM, {sa_handler=..., sa_mask=[], sa_flags=0}, NULL, 8) = 0   (no SA_RESTART)
 *   pipe([3, 4]) = 0
 *   alarm(1) = 0
 *   read(3, ..., 1) = -1 EINTR (Interrupted system call)     (blocks until the alarm)
 *   --- SIGALRM {si_signo=SIGALRM} ---
 *   sigreturn({mask=[HUP RT_3]}) = -1 EINTR (Interrupted system call)
 *   rt_sigaction(SIGALRM, {sa_handler=..., sa_mask=[], sa_flags=SA_RESTART}, NULL, 8) = 0
 *   alarm(1) = 0
 *   read(3, ..., 1) = ? ERESTARTSYS (To be restarted if SA_RESTART is set)
 *   --- SIGALRM {si_signo=SIGALRM} ---
 *   write(4, "r", 1) = 1                                      (from the handler)
 *   sigreturn({mask=[HUP RT_3]}) = 3                     (the restored eax: read's number, to restart)
 *   read(3, "r", 1) = 1                                       (restarted, by int $0x80)
 *   write(1, "signals32 done\n", 15) = 15
 *   exit_group(0)
 * stdout: "signals32 done\n".
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_usr2, got_alrm;
static int fds[2];

static long pid;

/* SIGUSR2 is blocked while this runs (sa_mask): the one it sends is delivered when
 * rt_sigreturn unblocks it, at that call's return. */
static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)uc;
    got_usr1 = info->si_pid > 0;
    syscall(SYS_kill, pid, SIGUSR2);
}

static void on_usr2(int sig)
{
    (void)sig;
    got_usr2++;
}

static void on_alrm(int sig)
{
    (void)sig;
    got_alrm++;
    if (got_alrm == 2)
        syscall(SYS_write, fds[1], "r", 1);
}

static void handle(int sig, void (*fn)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fn;
    sa.sa_flags = flags;
    sigaction(sig, &sa, NULL);
}

int main(void)
{
    unsigned long long blocked = (1ULL << (SIGHUP - 1)) | (1ULL << (35 - 1));
    syscall(SYS_rt_sigprocmask, SIG_BLOCK, &blocked, NULL, 8);

    handle(SIGUSR2, on_usr2, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    pid = syscall(SYS_getpid);
    syscall(SYS_kill, pid, SIGUSR1);

    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(SYS_kill), "b"(pid), "c"(SIGUSR2) : "memory");

    handle(SIGALRM, on_alrm, 0);
    if (syscall(SYS_pipe, fds) != 0)
        return 1;
    char c = 0;
    syscall(SYS_alarm, 1);
    if (syscall(SYS_read, fds[0], &c, 1) != -1)
        return 2;

    handle(SIGALRM, on_alrm, SA_RESTART);
    syscall(SYS_alarm, 1);
    if (syscall(SYS_read, fds[0], &c, 1) != 1 || c != 'r')
        return 3;
    if (!got_usr1 || got_usr2 != 2 || got_alrm != 2)
        return 4;
    syscall(SYS_write, 1, "signals32 done\n", 15);
    return 0;
}
