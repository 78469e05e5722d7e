/*
 * probe32-basic: a 32-bit (i386) static program; its calls use the i386 numbers and
 * argument registers, entering through glibc's vsyscall (sysenter or 32-bit syscall,
 * whichever the vDSO picks for the CPU) and, for getpid, an explicit `int $0x80`.
 *
 * After libc start-up, exactly (i386 names):
 *   open("/etc/hostname", O_RDONLY) = 3
 *   read(3, "vmstrace-guest\n", 64) = 15
 *   write(1, "hostname=vmstrace-guest\n", 24) = 24
 *   close(3) = 0
 *   open("/nonexistent32", O_RDONLY) = -1 ENOENT (No such file or directory)
 *   getpid() = <pid>                      (int $0x80)
 *   mkdir("/tmp/dir32", 0755) = 0
 *   rmdir("/tmp/dir32") = 0
 *   exit_group(0)
 * stdout: "hostname=vmstrace-guest\n".
 */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
    char buf[64], line[96];
    long fd = syscall(SYS_open, "/etc/hostname", O_RDONLY);
    long n = syscall(SYS_read, fd, buf, sizeof(buf));
    if (fd < 0 || n <= 0)
        return 1;
    memcpy(line, "hostname=", 9);
    memcpy(line + 9, buf, (size_t)n);
    syscall(SYS_write, 1, line, 9 + n);
    syscall(SYS_close, fd);
    syscall(SYS_open, "/nonexistent32", O_RDONLY);
    long pid;
    __asm__ volatile("int $0x80" : "=a"(pid) : "a"(SYS_getpid) : "memory");
    syscall(SYS_mkdir, "/tmp/dir32", 0755);
    syscall(SYS_rmdir, "/tmp/dir32");
    return pid > 0 ? 0 : 2;
}
