/*
 * probe-child: the program probe-fork executes, as `probe-child arg-one`.
 *
 * Syscalls after libc start-up, in order:
 *   write(1, "child arg-one\n", 14) = 14
 *   exit_group(7)
 * (argv[1] is echoed, so other arguments give other output.)
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    char line[256] = "child ";
    if (argc > 1)
        strncat(line, argv[1], sizeof(line) - strlen(line) - 2);
    strcat(line, "\n");
    syscall(SYS_write, 1, line, strlen(line));
    syscall(SYS_exit_group, 7);
    return 7; /* not reached */
}
