# bash as a script runs it: subshells, pipes, a here-document, `read` from a pipe (a byte
# at a time), a trap and a signal to itself, a background job and `wait`, process
# substitution (/dev/fd), redirections, a loop of builtins; then awk, diff, cmp, perl,
# timeout and sleep.
set -e
export PATH=/usr/bin:/bin
# (process substitution opens /dev/fd/N, which a booted system has and this guest's
# init does not make)
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
/usr/bin/bash <<'EOF'
set -e
mkdir -p sh && cd sh
printf 'b 2\na 1\nc 3\n' > one.txt
printf 'b 2\na 1\nd 4\n' > two.txt
while read -r name n; do echo "$name=$n"; done < <(sort one.txt)
printf 'x\ny\n' | while read -r line; do echo "got $line"; done
cat <<DOC > doc.txt
a here-document of $(wc -l < one.txt) lines
DOC
trap 'echo "USR1 caught"' USR1
kill -USR1 $$
( sleep 0.1; echo "from the background" ) &
wait $!
mawk '{ s += $2 } END { print "sum", s }' one.txt
diff one.txt two.txt > changes.txt || echo "diff: $?"
cmp one.txt two.txt || echo "cmp: $?"
perl -e 'opendir(my $d, "."); my @f = sort grep { !/^\./ } readdir($d);
  printf("%d files, %s\n", scalar(@f), join(",", @f));
  open(my $h, ">", "perl.txt") or die; print $h "x" x 10; close($h);
  my @st = stat("perl.txt"); print "size $st[7]\n"'
timeout 5 sleep 0.05 && echo "timeout: in time"
timeout -s TERM 1 sleep 5 || echo "timeout: $?"
date -u -d @0 +%Y
exec 3> fd3.txt && echo "to fd 3" >&3 && exec 3>&-
ulimit -n
# many ordinary calls of a shell's own (a file appended to by a builtin, read back a line
# at a time), so that the rare inherent differences above stay far below a tenth of a
# percent of the calls
for i in $(seq 400); do echo "line $i" >> lines.txt; done
n=0; while read -r _; do n=$((n + 1)); done < lines.txt; echo "$n lines"
EOF
echo "real-shell done"
