/*
 * probe-signal: signals delivered at a syscall's return, as seen from outside.
 *
 * After libc start-up:
 *   rt_sigaction(SIGUSR1, {sa_handler=..., sa_flags=SA_RESTORER|SA_SIGINFO, ...}, NULL, 8) = 0
 *   getpid() = <pid>
 *   kill(<pid>, SIGUSR1) = 0
 *   --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_USER, si_pid=<pid>, si_uid=0} ---
 *   rt_sigreturn({mask=[]}) = 0
 *   rt_sigaction(SIGALRM, {sa_handler=..., sa_flags=SA_RESTORER, ...}, NULL, 8) = 0   (no SA_RESTART)
 *   pipe2([3, 4], 0) = 0
 *   alarm(1) = 0
 *   read(3, 0x..., 1) = -1 EINTR (Interrupted system call)     (blocks until the alarm)
 *   --- SIGALRM {si_signo=SIGALRM} ---
 *   rt_sigreturn({mask=[]}) = -1 EINTR (Interrupted system call)
 *   write(1, "signals done\n", 13) = 13
 *   exit_group(0)
 * stdout: "signals done\n".
 */
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_alrm;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
    (void)sig;
    (void)info;
    (void)uc;
    got_usr1 = 1;
}

static void on_alrm(int sig)
{
    (void)sig;
    got_alrm = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_usr1;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, NULL);
    syscall(SYS_kill, syscall(SYS_getpid), SIGUSR1);

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    int fds[2];
    if (syscall(SYS_pipe2, fds, 0) != 0)
        return 1;
    syscall(SYS_alarm, 1);
    char c;
    long r = syscall(SYS_read, fds[0], &c, 1);
    if (r != -1 || !got_usr1 || !got_alrm)
        return 2;
    syscall(SYS_write, 1, "signals done\n", 13);
    return 0;
}
