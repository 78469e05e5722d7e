/*
 * conf-sockets: AF_UNIX (socketpair, a path socket), AF_INET on 127.0.0.1 and
 * AF_NETLINK for the conformance harness.  The guest configures no network, so the
 * program brings `lo` up itself (SIOCGIFFLAGS / SIOCSIFFLAGS).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define SOCK_PATH "/tmp/conf.sock"

static void unix_pair(void)
{
    int sv[2];
    char buf[64];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    send(sv[0], "pair hello", 10, 0);
    recv(sv[1], buf, sizeof(buf), 0);
    struct iovec iov = {"msg data", 8};
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
    sendmsg(sv[1], &mh, MSG_NOSIGNAL);
    struct iovec riov = {buf, sizeof(buf)};
    struct msghdr rh = {.msg_iov = &riov, .msg_iovlen = 1};
    recvmsg(sv[0], &rh, 0);
    recv(sv[0], buf, sizeof(buf), MSG_DONTWAIT); /* EAGAIN */
    shutdown(sv[0], SHUT_WR);
    close(sv[0]);
    close(sv[1]);
}

static void unix_path(void)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char buf[64];
    strcpy(sa.sun_path, SOCK_PATH);
    unlink(SOCK_PATH);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0);
    bind(srv, (struct sockaddr *)&sa, sizeof(sa));
    listen(srv, 4);
    int cli = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    connect(cli, (struct sockaddr *)&sa, sizeof(sa));
    struct sockaddr_un peer;
    socklen_t len = sizeof(peer);
    int acc = accept(srv, (struct sockaddr *)&peer, &len);
    sendto(cli, "unix path", 9, 0, NULL, 0);
    recvfrom(acc, buf, sizeof(buf), 0, NULL, NULL);
    len = sizeof(peer);
    getsockname(srv, (struct sockaddr *)&peer, &len);
    close(acc);
    close(cli);
    close(srv);
    unlink(SOCK_PATH);
}

static void loopback_up(void)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strcpy(ifr.ifr_name, "lo");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    ioctl(s, SIOCGIFFLAGS, &ifr);
    ifr.ifr_flags |= IFF_UP;
    ioctl(s, SIOCSIFFLAGS, &ifr);
    close(s);
}

static void inet(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(4321)};
    char buf[64];
    int one = 1;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int srv = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    bind(srv, (struct sockaddr *)&sa, sizeof(sa));
    listen(srv, 4);
    int cli = socket(AF_INET, SOCK_STREAM, 0);
    connect(cli, (struct sockaddr *)&sa, sizeof(sa));
    struct sockaddr_in peer;
    socklen_t len = sizeof(peer);
    int acc = accept4(srv, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    write(cli, "tcp hello", 9);
    read(acc, buf, sizeof(buf));
    int val = 0;
    len = sizeof(val);
    getsockopt(acc, SOL_SOCKET, SO_TYPE, &val, &len);
    close(acc);
    close(cli);
    close(srv);

    int u1 = socket(AF_INET, SOCK_DGRAM, 0);
    int u2 = socket(AF_INET, SOCK_DGRAM, 0);
    sa.sin_port = htons(4322);
    bind(u2, (struct sockaddr *)&sa, sizeof(sa));
    sendto(u1, "udp hello", 9, 0, (struct sockaddr *)&sa, sizeof(sa));
    len = sizeof(peer);
    recvfrom(u2, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
    close(u1);
    close(u2);
    sa.sin_port = htons(1);
    int bad = socket(AF_INET, SOCK_STREAM, 0);
    connect(bad, (struct sockaddr *)&sa, sizeof(sa)); /* ECONNREFUSED */
    close(bad);
}

static void netlink(void)
{
    struct sockaddr_nl nl = {.nl_family = AF_NETLINK};
    socklen_t len = sizeof(nl);
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    bind(s, (struct sockaddr *)&nl, sizeof(nl));
    getsockname(s, (struct sockaddr *)&nl, &len);
    close(s);
}

int main(void)
{
    unix_pair();
    unix_path();
    loopback_up();
    inet();
    netlink();
    write(1, "conf-sockets done\n", 18);
    return 0;
}
