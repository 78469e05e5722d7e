/*
 * probe-sigstack: a signal delivered right at rt_sigreturn's return.
 *
 * SIGUSR1's handler blocks SIGUSR2 (sa_mask); both are raised while blocked, then
 * unblocked together.  The kernel delivers SIGUSR1 at rt_sigprocmask's return; SIGUSR2
 * stays blocked until the handler's rt_sigreturn restores the mask, and is delivered at
 * that rt_sigreturn's return, with a frame that saved the context rt_sigreturn restored:
 *   rt_sigprocmask(SIG_UNBLOCK, [USR1 USR2], NULL, 8) = 0
 *   --- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_TKILL, si_pid=<pid>, si_uid=0} ---
 *   rt_sigreturn({mask=[]}) = 0
 *   --- SIGUSR2 {si_signo=SIGUSR2, si_code=SI_TKILL, si_pid=<pid>, si_uid=0} ---
 *   rt_sigreturn({mask=[]}) = 0
 *   write(1, "sigstack done 12\n", 17) = 17
 * stdout: "sigstack done 12\n" (the handlers' order: USR1, then USR2).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t order;

static void on_signal(int sig, siginfo_t *info, void *uc)
{
    (void)info;
    (void)uc;
    order = order * 10 + (sig == SIGUSR1 ? 1 : 2);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO;
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);

    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    pid_t pid = getpid();
    syscall(SYS_tgkill, pid, pid, SIGUSR2);
    syscall(SYS_tgkill, pid, pid, SIGUSR1);
    sigprocmask(SIG_UNBLOCK, &both, NULL);

    char line[32];
    int n = snprintf(line, sizeof(line), "sigstack done %d\n", (int)order);
    return write(1, line, (size_t)n) == n ? 0 : 1;
}
