"""The default guest: Debian's cloud kernel (kernel.py) and a busybox initramfs with the
launcher and test programs (image.py, written with cpio.py); qemu.py boots it."""
