/*
 * hostile-nr: system calls whose number register carries junk the kernel ignores.
 *
 * x86_64's do_syscall_64() takes the number as an int (the low 32 bits of rax, 6.1 and
 * 6.12 alike), and int 0x80 takes eax alone, so each call below does what its low bits
 * say.  A tracer that keys on all 64 bits names none of them, misses the exec, and loses
 * the child of the clone (a process the sample hides).  Expected trace, in order:
 *   open("/vmstrace/bin/hostile-nr", O_RDONLY) = 3           rax 0xdead00000002
 *   write(1, "junk write\n", 11) = 11                          rax 0xffffffff00000001
 *   getpid() = <pid>                                           rax 0x7fffffff00000027
 *   getpid() = <pid>   (int 0x80, i386 number 20)              rax 0x1234500000014
 *   syscall_0x40000027() = -1 ENOSYS  (x32 bit, kernel without x32)  rax 0xbeef40000027
 *   syscall_0xffffffff() = -1 ENOSYS  (the kernel's nr == -1)  rax 0xaaaaffffffff
 *   clone(... CLONE_PARENT|SIGCHLD) = <child>                  rax 0x100000038
 *     child: write(4, "child", 5) = 5; exit_group(0)           rax 0xffff0000000000e7
 *   read(3.., "child", 8) = 5
 *   execve("/vmstrace/bin/hostile-nr", ["hostile-nr", "exec"], ...) = 0   rax 0xabc000000003b
 *     new image: write(1, "exec ok\n", 8) = 8; exit_group(7)  rax 0x5000000e7
 * stdout: "junk write\nchild\nexec ok\n", exit status 7.
 */
#include <stdint.h>
#include <string.h>

#define CLONE_PARENT 0x00008000
#define SIGCHLD 17

static long raw(uint64_t rax, long a1, long a2, long a3, long a4, long a5)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = 0;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(rax), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

static long raw_int80(uint64_t rax, long b, long c, long d)
{
    long ret;
    __asm__ volatile("int $0x80"
                     : "=a"(ret)
                     : "a"(rax), "b"(b), "c"(c), "d"(d)
                     : "r8", "r9", "r10", "r11", "memory");
    return ret;
}

static void say(const char *s)
{
    raw(1, 1, (long)s, (long)strlen(s), 0, 0);
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "exec") == 0) {
        say("exec ok\n");
        raw(0x5000000e7ull, 7, 0, 0, 0, 0);
    }
    long fd = raw(0xdead00000002ull, (long)"/vmstrace/bin/hostile-nr", 0, 0, 0, 0);
    raw(0xffffffff00000001ull, 1, (long)"junk write\n", 11, 0, 0);
    raw(0x7fffffff00000027ull, 0, 0, 0, 0, 0);
    raw_int80(0x1234500000014ull, 0, 0, 0);
    raw(0xbeef40000027ull, 0, 0, 0, 0, 0);
    raw(0xaaaaffffffffull, 0, 0, 0, 0, 0);

    int fds[2];
    if (raw(22 /* pipe */, (long)fds, 0, 0, 0, 0) != 0) {
        return 1;
    }
    long child = raw(0x100000038ull, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
    if (child == 0) {
        raw(1, fds[1], (long)"child", 5, 0, 0);
        raw(0xffff0000000000e7ull, 0, 0, 0, 0, 0);
    }
    char buf[8];
    long n = raw(0, fds[0], (long)buf, sizeof(buf), 0, 0);
    if (n != 5 || fd < 0) {
        return 2;
    }
    say("child\n");
    char *args[] = {"hostile-nr", "exec", 0};
    char *env[] = {"HOSTILE=1", 0};
    raw(0xabc000000003bull, (long)"/vmstrace/bin/hostile-nr", (long)args, (long)env, 0, 0);
    return 3; /* the exec failed */
}
