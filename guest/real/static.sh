# A statically linked program's calls, as much malware is built (busybox: its own
# start-up, no ld.so), and GNU make running recipes in parallel (its jobserver pipe,
# SIGCHLD): a tmpfs mounted and unmounted, the loopback brought up by ioctl, an HTTP server
# and client (busybox httpd, wget), nc, netstat and ps over /proc, a FIFO, chroot, and
# setpriv --nnp (no_new_privs).
set -e
export PATH=/usr/bin:/bin
mkdir -p st/www st/mnt && cd st
bb=busybox
$bb ifconfig lo 127.0.0.1 up
$bb mount -t tmpfs -o size=1m,mode=0750 scratch mnt
$bb dd if=/dev/zero of=mnt/z bs=1k count=8 2> /dev/null
$bb df mnt > /dev/null
$bb umount mnt
printf 'static hello\n' > www/index.html
$bb httpd -f -p 127.0.0.1:8088 -h www &
httpd=$!
until $bb wget -q -O page http://127.0.0.1:8088/index.html 2> /dev/null; do $bb usleep 100000; done
kill $httpd
wait $httpd || true
$bb nc -l -p 9099 > got &
# (until the listener is up: a refused connect is tried again)
until echo "over nc" | $bb nc -w 1 127.0.0.1 9099 2> /dev/null; do $bb usleep 100000; done
wait
$bb cat got page
$bb netstat -tn > /dev/null
$bb ps > /dev/null
$bb mkfifo fifo
($bb cat fifo > fifo.out &) ; echo "through a fifo" > fifo
$bb usleep 200000
$bb chroot / $bb true
$bb setpriv --nnp $bb id
$bb sha256sum page | $bb cut -c1-16
cat > Makefile <<'MK'
all: a b c
a b c:
	@printf '%s\n' $@ > $@.out
	@cat $@.out
MK
make -s -j2
cd .. && rm -rf st
echo "real-static done"
