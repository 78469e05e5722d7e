# coreutils, one short process after another: each maps the same libc (and libselinux,
# libacl, libattr...) pages, so code translated for the first process runs again in the next.
set -e
export PATH=/usr/bin:/bin
mkdir -p d/sub
printf 'exactly-twenty-four-byte' > d/exact  # 24 bytes: the -s 24 run (conformance.py)
cat d/exact
seq 1 300000 > d/numbers
cp d/numbers d/sub/copy
cat d/exact d/sub/copy > d/both
ls d
ls -la d/sub
stat d/numbers
sort --parallel=2 -n -r d/numbers > d/sorted  # > 2 x 128 Ki lines: sort uses its 2 threads
head -3 d/sorted
wc -l d/sorted
ln -s numbers d/link
readlink d/link
mv d/sub/copy d/moved
chmod 600 d/moved
touch -d @0 d/exact
du -s d
rm -r d
echo "real-coreutils done"
