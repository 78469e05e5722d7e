/*
 * hostile-handler-at-return: a signal handler installed at the very address a system call
 * returns to, entered at that call's return.  The kernel then leaves by sysretq to the
 * same address a plain return would (rcx is still it), with rax 0: only the stack (the
 * handler's runs on its signal frame) tells the two apart.  A tracer that trusted the
 * address would print the read below as `= 0`, and the bytes it returned as "".
 *
 * The read is made by read_at() below, whose `ret` after the syscall is also the handler:
 * entered as a handler it returns to the frame's restorer (rt_sigreturn), which resumes
 * the interrupted context at that same `ret`, with the read's own result in rax.
 *
 * The pipe's read end is O_ASYNC, owned by the main thread.  A thread waits until the
 * main thread sleeps in the read (its /proc state) and writes "hello": within that write
 * the kernel wakes the reader and sends it SIGIO (pipe_write: the wake-up, which does not
 * preempt the writer, then kill_fasync).  The reader finds the data first (pipe_read
 * looks for data before it looks at signals), returns 5, and SIGIO is delivered at that
 * return.  (On one vCPU the order is fixed; on several the reader may return before the
 * signal is sent, and the handler then runs elsewhere.)
 *
 * Expected in the trace, in the main thread:
 *   read(3, "hello", 16) = 5
 *   --- SIGIO {si_signo=SIGIO} ---
 *   rt_sigreturn({mask=[]}) = 5
 * stdout: "handler at return: ok\n".
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

long read_at(long fd, void *buf, long len);
extern char read_at_return[];
__asm__(".text\n"
        ".globl read_at\n"
        "read_at:\n"
        "    mov $0, %eax\n" /* SYS_read: rdi, rsi, rdx hold its arguments already */
        "    syscall\n"
        ".globl read_at_return\n"
        "read_at_return:\n"
        "    ret\n");

static int fds[2];
static pid_t reader;
static volatile int reading;

/* The main thread's state letter in /proc (S: asleep), or 0. */
static char state_of(pid_t tid)
{
    char path[64], buf[256];
    snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)tid);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end = strrchr(buf, ')');
    return end != NULL && end[1] == ' ' ? end[2] : 0;
}

static void *writer(void *arg)
{
    (void)arg;
    while (!reading)
        ;
    struct timespec nap = {0, 1000 * 1000};
    for (int i = 0; i < 5000 && state_of(reader) != 'S'; i++)
        nanosleep(&nap, NULL);
    syscall(SYS_write, fds[1], "hello", 5);
    return NULL;
}

int main(void)
{
    reader = (pid_t)syscall(SYS_gettid);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = (void (*)(int))(void *)read_at_return;
    struct f_owner_ex owner = {F_OWNER_TID, reader};
    if (sigaction(SIGIO, &sa, NULL) != 0 || pipe(fds) != 0 ||
        fcntl(fds[0], F_SETOWN_EX, &owner) != 0 || fcntl(fds[0], F_SETFL, O_ASYNC) != 0)
        return 1;
    pthread_t t;
    if (pthread_create(&t, NULL, writer, NULL) != 0)
        return 2;
    char buf[16];
    reading = 1;
    long n = read_at(fds[0], buf, sizeof(buf));
    pthread_join(t, NULL);
    if (n != 5 || memcmp(buf, "hello", 5) != 0)
        return 3;
    static const char ok[] = "handler at return: ok\n";
    syscall(SYS_write, 1, ok, sizeof(ok) - 1);
    return 0;
}
