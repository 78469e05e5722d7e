/*
 * conf-poll: poll, ppoll, select, pselect6 and epoll on pipes for the conformance harness.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    char buf[16];
    pipe(p);

    struct pollfd pf[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
    poll(pf, 1, 0); /* timeout */
    poll(pf, 2, 10);
    write(p[1], "ready", 5);
    poll(pf, 2, -1);
    struct timespec ts = {0, 1000000};
    ppoll(pf, 1, &ts, NULL);

    fd_set rd, wr;
    FD_ZERO(&rd);
    FD_ZERO(&wr);
    FD_SET(p[0], &rd);
    FD_SET(p[1], &wr);
    struct timeval tv = {0, 5000};
    select(p[1] + 1, &rd, &wr, NULL, &tv);
    read(p[0], buf, sizeof(buf));
    FD_ZERO(&rd);
    FD_SET(p[0], &rd);
    tv.tv_sec = 0;
    tv.tv_usec = 2000;
    select(p[0] + 1, &rd, NULL, NULL, &tv); /* timeout */
    sigset_t mask;
    sigemptyset(&mask);
    ts.tv_nsec = 3000000;
    FD_SET(p[0], &rd);
    pselect(p[0] + 1, &rd, NULL, NULL, &ts, &mask);

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 7};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    struct epoll_event got[4];
    epoll_wait(ep, got, 4, 0); /* nothing */
    write(p[1], "x", 1);
    epoll_wait(ep, got, 4, 100);
    ev.events = EPOLLIN | EPOLLET;
    epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
    epoll_pwait(ep, got, 4, 0, &mask);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);
    epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL); /* ENOENT */
    close(ep);
    close(p[0]);
    close(p[1]);
    write(1, "conf-poll done\n", 15);
    return 0;
}
