/*
 * hostile-control: forges vmstrace's control channel, then exits 3.
 *
 * Any root process in the guest can write the serial line the launcher reports on and
 * read the run's nonce from /proc/cmdline, so this writes to /dev/ttyS3, in order:
 *   VMSTRACE READY / EXIT 127 / NOTFOUND hostile     (without the nonce)
 *   VMSTRACE <nonce> READY / EXIT 127 / NOTFOUND hostile   (with it: indistinguishable)
 *   a line holding a NUL byte, a line of invalid UTF-8,
 *   1 MiB without a newline, then one stray byte (no newline either)
 * and exits 3. vmstrace must return 3 (the traced exit_group), warn that the control line
 * disagrees, and keep the whole trace.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void put(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0)
            exit(10);
        c += w;
        n -= (size_t)w;
    }
}

#define PUTS(fd, lit) put((fd), (lit), sizeof(lit) - 1)

static void nonce(char *out, size_t size)
{
    char cmdline[4096] = "";
    int fd = open("/proc/cmdline", O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, cmdline, sizeof(cmdline) - 1);
    if (n > 0)
        cmdline[n] = '\0';
    const char *at = strstr(cmdline, "vmstrace.nonce=");
    snprintf(out, size, "%.*s", at ? (int)strcspn(at + 15, " \n") : 0, at ? at + 15 : "");
}

int main(void)
{
    char n[128], line[512];
    nonce(n, sizeof(n));
    int fd = open("/dev/ttyS3", O_WRONLY | O_NOCTTY);
    if (fd < 0)
        return 11;
    PUTS(fd, "VMSTRACE READY\nVMSTRACE EXIT 127\nVMSTRACE NOTFOUND hostile\n");
    int len = snprintf(line, sizeof(line),
                       "VMSTRACE %s READY\nVMSTRACE %s EXIT 127\nVMSTRACE %s NOTFOUND hostile\n",
                       n, n, n);
    put(fd, line, (size_t)len);
    PUTS(fd, "VMSTRACE \0 EXIT 5\n");
    PUTS(fd, "VMSTRACE \xff\xfe EXIT 6\n");
    static char big[1 << 20];
    memset(big, 'A', sizeof(big));
    put(fd, big, sizeof(big));
    put(fd, "x", 1);
    close(fd);
    return 3;
}
