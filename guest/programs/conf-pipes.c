/*
 * conf-pipes: pipes and descriptor duplication for the conformance harness.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    int p[2], q[2];
    char buf[128];

    signal(SIGPIPE, SIG_IGN);
    pipe(p);
    pipe2(q, O_CLOEXEC | O_NONBLOCK);
    write(p[1], "through the pipe\n", 17);
    read(p[0], buf, sizeof(buf));
    read(q[0], buf, sizeof(buf)); /* EAGAIN */

    struct iovec out[2] = {{"vec-one ", 8}, {"vec-two\n", 8}};
    writev(q[1], out, 2);
    char a[4], b[32];
    struct iovec in[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
    readv(q[0], in, 2);

    int d = dup(p[1]);
    dup2(d, 10);
    dup3(10, 11, O_CLOEXEC);
    dup2(99, 12); /* EBADF */
    fcntl(q[0], F_GETFL);
    fcntl(q[0], F_SETFL, 0);
    fcntl(p[0], F_GETPIPE_SZ);
    write(11, "via dup3\n", 9);
    read(p[0], buf, 4);
    read(p[0], buf, sizeof(buf));
    close(11);
    close(10);
    close(d);
    close(p[1]);
    read(p[0], buf, sizeof(buf)); /* EOF */
    close(p[0]);
    close(q[0]);
    write(q[1], "x", 1); /* EPIPE (SIGPIPE ignored) */
    close(q[1]);
    write(1, "conf-pipes done\n", 16);
    return 0;
}
