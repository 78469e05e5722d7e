/*
 * hostile-thread: a thread made by a raw clone(CLONE_THREAD ...) with junk in rax's upper
 * half, which writes and leaves with exit (junk again) while the main thread waits on
 * its CLONE_CHILD_CLEARTID word.  Expected trace:
 *   [main] clone(child_stack=..., flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|
 *          CLONE_THREAD|CLONE_SYSVSEM|CLONE_CHILD_CLEARTID, child_tidptr=...) = <tid>
 *   [tid]  write(1, "thread\n", 7) = 7
 *   [tid]  exit(0) = ?
 *   [main] write(1, "main\n", 5) = 5
 * stdout "thread\nmain\n", exit status 0.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <sched.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

static char stack[16384] __attribute__((aligned(16)));
static volatile int32_t tid_word = -1;

static long raw(uint64_t rax, long a1, long a2, long a3)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(rax), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return ret;
}

static void thread_main(void)
{
    raw(0x3300000001ull, 1, (long)"thread\n", 7);
    raw(0x990000003cull, 0, 0, 0); /* exit: this thread only */
}

int main(void)
{
    unsigned long flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                          CLONE_SYSVSEM | CLONE_CHILD_CLEARTID;
    register long r10 __asm__("r10") = (long)&tid_word; /* child_tid */
    register long r8 __asm__("r8") = 0;
    long ret;
    /* The new thread starts after the syscall with rax 0 on its own stack: it calls
     * thread_main (in rbx, which the kernel keeps) and never comes back. */
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "call *%%rbx\n\t"
                     "ud2\n"
                     "1:"
                     : "=a"(ret)
                     : "a"(0x7700000038ull), "D"(flags), "S"(stack + sizeof(stack)), "d"(0),
                       "r"(r10), "r"(r8), "b"(thread_main)
                     : "rcx", "r11", "memory");
    if (ret < 0) {
        return 1;
    }
    for (int32_t v; (v = tid_word) != 0;) {
        syscall(SYS_futex, &tid_word, FUTEX_WAIT, v, NULL, NULL, 0);
    }
    raw(1, 1, (long)"main\n", 5);
    return 0;
}
