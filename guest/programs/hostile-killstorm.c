/*
 * hostile-killstorm N [BATCH [ignore]]: N children, each killed with SIGKILL while blocked in
 * read().
 *
 * In rounds of BATCH (default 16): fork BATCH children that each read(3, ...) one byte from
 * an empty pipe (fd 3 in every child); once every child of the round is blocked in that
 * read (its /proc/PID/syscall starts with "0 ", read's number), SIGKILL them all, then reap
 * each with wait4(pid, &status, 0, NULL).  A tracer sees N calls that never return and N
 * processes killed inside them: the table of calls in progress must not keep them.
 * stdout: "killed N\n" once every child was reaped WIFSIGNALED with SIGKILL.
 * With "ignore", SIGCHLD is ignored: the kernel reaps the children itself (no wait4 tells
 * a tracer), and the parent waits until each /proc/PID is gone; stdout: "gone N\n".
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int exists(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d", (int)pid);
    return access(path, F_OK) == 0;
}

static int blocked_in_read(pid_t pid)
{
    char path[64], buf[32];
    snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    return n >= 2 && buf[0] == '0' && buf[1] == ' ';
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 0) : 100;
    long batch = argc > 2 ? strtol(argv[2], NULL, 0) : 16;
    int ignore = argc > 3 && strcmp(argv[3], "ignore") == 0;
    int p[2];
    if (ignore)
        signal(SIGCHLD, SIG_IGN);
    if (n < 0 || batch < 1 || batch > 1024 || pipe(p) != 0 || dup2(p[0], 3) != 3)
        return 1;
    pid_t *kids = calloc((size_t)batch, sizeof(pid_t));
    long killed = 0;
    for (long done = 0; done < n;) {
        long k = n - done < batch ? n - done : batch;
        for (long i = 0; i < k; i++) {
            pid_t pid = fork();
            if (pid < 0)
                return 2;
            if (pid == 0) {
                char c;
                syscall(SYS_read, 3, &c, 1);
                syscall(SYS_exit_group, 3); /* never reached: the byte never comes */
            }
            kids[i] = pid;
        }
        for (long i = 0; i < k; i++) {
            while (!blocked_in_read(kids[i]))
                sched_yield();
        }
        for (long i = 0; i < k; i++)
            kill(kids[i], SIGKILL);
        for (long i = 0; i < k; i++) {
            int status = 0;
            if (ignore) {
                while (exists(kids[i]))
                    sched_yield();
                killed++;
            } else if (syscall(SYS_wait4, kids[i], &status, 0, NULL) == kids[i] &&
                       WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) {
                killed++;
            }
        }
        done += k;
    }
    printf("%s %ld\n", ignore ? "gone" : "killed", killed);
    return killed == n ? 0 : 3;
}
