/*
 * conf-signals: rt_sigaction, rt_sigprocmask, kill/tgkill, delivery and rt_sigreturn
 * for the conformance harness.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t hits;

static void on_signal(int sig)
{
    (void)sig;
    hits++;
}

int main(void)
{
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(SIGUSR1, &sa, &old);
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGINT, SIG_IGN);
    sigaction(SIGINT, NULL, &old);

    kill(getpid(), SIGUSR1);

    sigset_t set, prev;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigaddset(&set, SIGTERM);
    sigprocmask(SIG_BLOCK, &set, &prev);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR2);
    sigset_t pending;
    sigpending(&pending);
    sigprocmask(SIG_SETMASK, &prev, NULL); /* SIGUSR2 delivered here */
    kill(getpid(), 0);
    kill(999999, SIGUSR1); /* ESRCH */
    sigaction(SIGKILL, &sa, NULL); /* EINVAL */

    stack_t ss = {.ss_sp = (char[16384]){0}, .ss_size = 16384, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    write(1, hits == 3 ? "conf-signals done\n" : "conf-signals miss\n", 18);
    return 0;
}
