/*
 * hostile-names: guest text made to drive a terminal, as `hostile-names`.
 *
 * Names itself "\033]0;PWNED\007" (prctl PR_SET_NAME: the comm every event carries),
 * opens "/tmp/\033[31mred" (a path with an escape sequence), and writes a console line
 * "Kernel panic - not syncing: \033]0;PWNED-TITLE\007" to /dev/console (a fake panic
 * any root process can print), then exits 0; as `hostile-names crash` it then crashes
 * the kernel (sysrq c), so that the fake line is the console's first panic line. vmstrace's text and --tree output must
 * show those bytes escaped; its JSON must carry them exactly.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static const char panic[] = "Kernel panic - not syncing: \033]0;PWNED-TITLE\007\r\n";
    prctl(PR_SET_NAME, "\033]0;PWNED\007", 0, 0, 0);
    int fd = open("/tmp/\033[31mred", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0)
        close(fd);
    int con = open("/dev/console", O_WRONLY | O_NOCTTY);
    if (con < 0 || write(con, panic, sizeof(panic) - 1) != (ssize_t)(sizeof(panic) - 1))
        return 11;
    close(con);
    if (argc > 1 && strcmp(argv[1], "crash") == 0) {
        int sysrq = open("/proc/sysrq-trigger", O_WRONLY);
        if (sysrq < 0 || write(sysrq, "c", 1) != 1)
            return 12;
    }
    return 0;
}
