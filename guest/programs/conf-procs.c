/*
 * conf-procs: fork, execve, wait4/waitid and process identity calls for the conformance
 * harness.  `conf-procs child N` is the exec'd child: it writes one line and exits N.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "child") == 0) {
        write(1, "child running\n", 14);
        return atoi(argv[2]);
    }
    getpid();
    getppid();
    getuid();
    geteuid();
    getgid();
    getegid();
    getpgid(0);
    getsid(0);
    prctl(PR_SET_NAME, "conf-procs-main");
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    umask(022);

    pid_t pid = fork();
    if (pid == 0) {
        char *av[] = {"conf-procs", "child", "3", NULL};
        execve("/vmstrace/bin/conf-procs", av, environ);
        _exit(127);
    }
    int status;
    wait4(pid, &status, 0, NULL);

    pid = fork();
    if (pid == 0) {
        getpid();
        _exit(5);
    }
    siginfo_t si;
    waitid(P_PID, pid, &si, WEXITED);

    pid = fork();
    if (pid == 0) {
        char *av[] = {"conf-procs", NULL};
        execve("/nonexistent/prog", av, environ); /* ENOENT */
        _exit(9);
    }
    waitpid(pid, &status, 0);
    wait4(-1, &status, WNOHANG, NULL); /* ECHILD */
    write(1, "conf-procs done\n", 16);
    return 0;
}
