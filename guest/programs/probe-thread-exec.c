/*
 * probe-thread-exec: execve from a thread that is not the process's leader.
 *
 * The kernel (fs/exec.c, de_thread()) kills the other threads and gives the exec'ing
 * thread the leader's pid, on its own task_struct: the call succeeds and that thread goes
 * on as the new program.  Expected trace (pid P, the second thread T):
 *   [pid T] execve("/vmstrace/bin/probe-thread-exec", ["probe-thread-exec", "exec'd"], ...) = 0
 *   [pid P] write(1, "exec'd\n", 7) = 7
 *   [pid P] exit_group(0) = ?
 * stdout "exec'd\n", exit status 0.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static void *run(void *arg)
{
    (void)arg;
    char *argv[] = {"probe-thread-exec", "exec'd", NULL};
    char *envp[] = {NULL};
    execve("/vmstrace/bin/probe-thread-exec", argv, envp);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec'd") == 0) {
        return write(1, "exec'd\n", 7) == 7 ? 0 : 1;
    }
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL) != 0) {
        return 2;
    }
    pthread_join(t, NULL); /* never returns: the exec ends this thread */
    return 3;
}
