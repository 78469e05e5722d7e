/*
 * probe-fork: fork, exec in the child, wait in the parent.
 *
 * Syscalls after libc start-up, in order (glibc 2.36 fork() is a clone syscall):
 *   parent: clone(child_stack=NULL,
 *                 flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD,
 *                 child_tidptr=...) = <child pid>
 *   child:  set_robust_list(..., 24) = 0          (glibc's fork resets it in the child)
 *   child:  execve("/vmstrace/bin/probe-child", ["probe-child", "arg-one"], envp) = 0
 *   child:  ... probe-child's libc start-up, then
 *           write(1, "child arg-one\n", 14) = 14; exit_group(7)
 *   parent: wait4(<child pid>, [{WIFEXITED(s) && WEXITSTATUS(s) == 7}], 0, NULL) = <child pid>
 *   parent: write(1, "child exited 7\n", 15) = 15
 *   parent: exit_group(0)
 * The kernel also sends the parent SIGCHLD (default action: ignored).
 * stdout: "child arg-one\nchild exited 7\n".
 */
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int main(void)
{
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        char *argv[] = {"probe-child", "arg-one", NULL};
        syscall(SYS_execve, "/vmstrace/bin/probe-child", argv, environ);
        syscall(SYS_exit_group, 126);
    }
    int status = 0;
    if (syscall(SYS_wait4, pid, &status, 0, NULL) != pid)
        return 1;
    char line[64];
    int n;
    if (WIFEXITED(status))
        n = snprintf(line, sizeof(line), "child exited %d\n", WEXITSTATUS(status));
    else
        n = snprintf(line, sizeof(line), "child status 0x%x\n", (unsigned)status);
    syscall(SYS_write, 1, line, (size_t)n);
    return 0;
}
