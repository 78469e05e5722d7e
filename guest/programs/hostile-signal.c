/*
 * hostile-signal: dies of SIGSEGV (default action), as `hostile-signal [forge]`.
 *
 * With `forge` it first writes `VMSTRACE <nonce> EXIT 0` to the control line (the nonce
 * from /proc/cmdline, as any root process can). vmstrace must return 139 (128 + SIGSEGV,
 * what the shell says) from the traced wait4 of the launcher's parent either way.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "forge") == 0) {
        char cmdline[4096] = "", line[256];
        int fd = open("/proc/cmdline", O_RDONLY);
        ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
        if (n > 0)
            cmdline[n] = '\0';
        const char *at = strstr(cmdline, "vmstrace.nonce=");
        int len = snprintf(line, sizeof(line), "VMSTRACE %.*s EXIT 0\n",
                           at ? (int)strcspn(at + 15, " \n") : 0, at ? at + 15 : "");
        int tty = open("/dev/ttyS3", O_WRONLY | O_NOCTTY);
        if (tty < 0 || write(tty, line, (size_t)len) != len)
            return 11;
        close(tty);
    }
    signal(SIGSEGV, SIG_DFL);
    kill(getpid(), SIGSEGV);
    return 12; /* not reached */
}
