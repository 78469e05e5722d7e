#!/bin/bash
# vmstrace e2e: the Debian guest's network, from inside (tests/e2e/test_guest_network.py).
# usage: network-guest.sh HOSTPORT GUESTPORT: the host's listening port (which must stay
# unreachable), the guest port the host's forwarded port leads to.
serve() {  # one connection on $1:$2: reads a line, answers "pong LINE"
    perl -MIO::Socket::INET -e '
        alarm 120;
        my $s = IO::Socket::INET->new(LocalAddr => $ARGV[0], LocalPort => $ARGV[1],
                                      Listen => 1, ReuseAddr => 1) or die "listen: $!\n";
        open(my $ready, ">", "/tmp/ready-$ARGV[1]") and close($ready);
        my $c = $s->accept or die "accept: $!\n";
        my $line = <$c>;
        print $c "pong $line";
        close($c);' "$1" "$2"
}
# (1) a server and a client in the guest, over the interface's address
serve 10.0.2.15 7000 &
until [ -e /tmp/ready-7000 ]; do sleep 0.05; done
exec 3<>/dev/tcp/10.0.2.15/7000
echo "ping over eth0" >&3
read -r reply <&3
exec 3<&-
echo "$reply"
wait
# (2) nothing outside the guest: the internet, or the host's listening port
for dest in 1.1.1.1/80 "10.0.2.2/$1"; do
    if err=$(timeout 5 bash -c "exec 3<>/dev/tcp/$dest" 2>&1); then
        echo "$dest: connected"
    else
        echo "$dest: $?: ${err##*: }"
    fi
done
# (3) the host's forwarded port: the host connects once this listens
serve 0.0.0.0 "$2" || echo "serve on $2 failed: $?"
