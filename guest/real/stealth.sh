# guest/real/stealth.py: what malware does to hide and to look around.
set -e
export PATH=/usr/bin:/bin
python3 /vmstrace/real/stealth.py run
rm -rf stealth
echo "real-stealth done"
