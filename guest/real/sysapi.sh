# guest/real/sysapi.py: the system interfaces a service uses beyond files and sockets.
set -e
export PATH=/usr/bin:/bin
python3 /vmstrace/real/sysapi.py run
rm -rf sysapi
echo "real-sysapi done"
