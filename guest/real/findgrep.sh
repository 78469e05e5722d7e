# find -exec, grep, sed -i, xargs: many small processes started by another one.
set -e
export PATH=/usr/bin:/bin
mkdir -p tree/x/y tree/z
for i in 1 2 3 4; do
    echo "line $i needle" > tree/x/f$i.txt
    echo "other $i" > tree/z/g$i.log
done
find tree -name '*.txt' -exec grep -l needle {} +
find tree -type f -exec grep -c line {} \;
grep -rn needle tree
find tree -name '*.log' -print0 | xargs -0 sed -i 's/other/changed/'
sed -n 1p tree/z/g1.log
sed -e 's/line/LINE/' tree/x/f1.txt
echo "real-findgrep done"
