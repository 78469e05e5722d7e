# Network clients and tools that read, hash and write files: curl and wget against a
# Python HTTP server on the loopback (guest/real/httpd.py), openssl, ssh-keygen, git, jq,
# xxd, and the /proc readers lsof, uptime, free, vmstat, pgrep.
set -e
export PATH=/usr/bin:/bin
mkdir -p net && cd net
busybox ifconfig lo 127.0.0.1 up
python3 /vmstrace/real/httpd.py serve 3 &
while [ ! -e port ]; do sleep 0.1; done
url="http://127.0.0.1:$(cat port)"
curl -sS -o page1 "$url/hello"
wget -q -O page2 "$url/again"
curl -sS -d 'a=1&b=2' "$url/post"
echo
wait
cmp page1 page2
openssl dgst -sha256 page1
openssl rand -hex 8 > /dev/null
openssl enc -aes-256-cbc -pbkdf2 -pass pass:guest -in page1 -out page1.enc
openssl enc -d -aes-256-cbc -pbkdf2 -pass pass:guest -in page1.enc | cmp - page1
ssh-keygen -q -t ed25519 -N '' -C guest -f key
ssh-keygen -l -f key.pub > /dev/null
git init -q repo
cd repo
cp ../page1 file.txt
git add file.txt
git -c user.name=guest -c user.email=guest@example.org commit -q -m first
git log --oneline | wc -l
cd ..
printf '{"a": [1, 2, {"b": "c"}]}' | jq -c '.a[2]'
xxd -l 32 page1.enc > /dev/null
lsof -p $$ > /dev/null || true
uptime > /dev/null
free > /dev/null
vmstat > /dev/null
pgrep -c python3 || true
cd .. && rm -rf net
echo "real-net done"
