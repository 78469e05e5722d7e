/*
 * hostile-frames: rt_sigreturn with frames no signal delivery built (sigreturn-oriented
 * programming): the kernel restores whatever the frame holds.
 *
 * 1. A forged but valid frame: rip at a function, rsp on a fresh stack, rax 4660, mask
 *    [HUP INT].  Expected trace (strace prints the restored rax as the return value):
 *      rt_sigreturn({mask=[HUP INT]}) = 4660
 *      write(1, "srop ok\n", 8) = 8
 * 2. In a child: a frame of junk (rip 0x4141414141414141, not canonical): the kernel's
 *    return faults, the child dies of SIGSEGV; the parent reports it:
 *      stdout "child signal 11\n".
 * Exit status 0.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

/* struct rt_sigframe up to the mask (arch/x86/include/asm/sigframe.h): pretcode, then
 * struct ucontext (uc_flags, uc_link, uc_stack, uc_mcontext = struct sigcontext, 8-byte
 * uc_sigmask).  rt_sigreturn finds it 8 bytes below the stack pointer. */
struct frame {
    uint64_t pretcode;
    uint64_t uc_flags, uc_link;
    stack_t uc_stack;
    uint64_t gregs[NGREG]; /* glibc's order is struct sigcontext's */
    uint64_t fpstate;
    uint64_t reserved[8];
    uint64_t sigmask;
};

static char stack2[16384] __attribute__((aligned(16)));

static void after(void)
{
    static const char ok[] = "srop ok\n";
    syscall(SYS_write, 1, ok, sizeof(ok) - 1);
    pid_t child = fork();
    if (child == 0) {
        static struct frame junk;
        memset(&junk, 0x41, sizeof(junk));
        __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(&junk.uc_flags)
                         : "memory");
        _exit(1);
    }
    int status = 0;
    waitpid(child, &status, 0);
    char line[] = "child signal ??\n";
    int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    line[13] = (char)('0' + sig / 10);
    line[14] = (char)('0' + sig % 10);
    syscall(SYS_write, 1, line, sizeof(line) - 1);
    syscall(SYS_exit_group, 0);
}

int main(void)
{
    static struct frame f;
    memset(&f, 0, sizeof(f));
    f.gregs[REG_RIP] = (uint64_t)(uintptr_t)after;
    f.gregs[REG_RSP] = (uint64_t)(uintptr_t)(stack2 + sizeof(stack2) - 8);
    f.gregs[REG_RAX] = 4660;
    f.gregs[REG_EFL] = 0x202;
    f.gregs[REG_CSGSFS] = 0x33 | (0x2bull << 48); /* cs, gs, fs, ss */
    f.sigmask = (1u << (SIGHUP - 1)) | (1u << (SIGINT - 1));
    __asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(&f.uc_flags)
                     : "memory");
    return 1;
}
