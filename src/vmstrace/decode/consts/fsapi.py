"""Constants of the new mount API, fanotify and Landlock.

Sources: ``linux/mount.h``, ``linux/fanotify.h``, ``linux/landlock.h`` (Linux UAPI).
Each flag table is strace 6.1's ``xlat/*.in`` of the same name, in its order (the order
strace prints the names in).
"""

from __future__ import annotations

from .fs import AT_FLAGS

# fsopen_flags.in, fspick_flags.in, fsmount_flags.in
FSOPEN_FLAGS = ((0x1, "FSOPEN_CLOEXEC"),)
FSPICK_FLAGS = (
    (0x1, "FSPICK_CLOEXEC"),
    (0x2, "FSPICK_SYMLINK_NOFOLLOW"),
    (0x4, "FSPICK_NO_AUTOMOUNT"),
    (0x8, "FSPICK_EMPTY_PATH"),
)
FSMOUNT_FLAGS = ((0x1, "FSMOUNT_CLOEXEC"),)
# fsmount_attr_flags.in; mount_attr_attr.in adds the last two
FSMOUNT_ATTR_FLAGS = (
    (0x1, "MOUNT_ATTR_RDONLY"),
    (0x2, "MOUNT_ATTR_NOSUID"),
    (0x4, "MOUNT_ATTR_NODEV"),
    (0x8, "MOUNT_ATTR_NOEXEC"),
    (0x10, "MOUNT_ATTR_NOATIME"),
    (0x20, "MOUNT_ATTR_STRICTATIME"),
    (0x80, "MOUNT_ATTR_NODIRATIME"),
)
MOUNT_ATTR_IDMAP = 0x100000
MOUNT_ATTR_ATTR = (
    *FSMOUNT_ATTR_FLAGS,
    (MOUNT_ATTR_IDMAP, "MOUNT_ATTR_IDMAP"),
    (0x200000, "MOUNT_ATTR_NOSYMFOLLOW"),
)
# mount_attr_propagation.in (linux/mount.h's MS_* bits)
MOUNT_ATTR_PROPAGATION = {
    1 << 17: "MS_UNBINDABLE",
    1 << 18: "MS_PRIVATE",
    1 << 19: "MS_SLAVE",
    1 << 20: "MS_SHARED",
}
# open_tree_flags.in: its own two, then the AT_* flags as fs.AT_FLAGS lists them
OPEN_TREE_FLAGS = ((0x1, "OPEN_TREE_CLONE"), (0o2000000, "OPEN_TREE_CLOEXEC"), *AT_FLAGS)
# mount_setattr_flags.in
MOUNT_SETATTR_FLAGS = tuple(
    (bit, name)
    for bit, name in AT_FLAGS
    if name in ("AT_SYMLINK_NOFOLLOW", "AT_NO_AUTOMOUNT", "AT_EMPTY_PATH", "AT_RECURSIVE")
)
MOVE_MOUNT_FLAGS = (
    (0x1, "MOVE_MOUNT_F_SYMLINKS"),
    (0x2, "MOVE_MOUNT_F_AUTOMOUNTS"),
    (0x4, "MOVE_MOUNT_F_EMPTY_PATH"),
    (0x10, "MOVE_MOUNT_T_SYMLINKS"),
    (0x20, "MOVE_MOUNT_T_AUTOMOUNTS"),
    (0x40, "MOVE_MOUNT_T_EMPTY_PATH"),
    (0x100, "MOVE_MOUNT_SET_GROUP"),
)
# fsconfig_cmds.in (enum fsconfig_command)
FSCONFIG_CMDS = {
    0: "FSCONFIG_SET_FLAG",
    1: "FSCONFIG_SET_STRING",
    2: "FSCONFIG_SET_BINARY",
    3: "FSCONFIG_SET_PATH",
    4: "FSCONFIG_SET_PATH_EMPTY",
    5: "FSCONFIG_SET_FD",
    6: "FSCONFIG_CMD_CREATE",
    7: "FSCONFIG_CMD_RECONFIGURE",
}

# fan_classes.in, fan_init_flags.in, fan_mark_flags.in
FAN_CLASSES = {0x0: "FAN_CLASS_NOTIF", 0x4: "FAN_CLASS_CONTENT", 0x8: "FAN_CLASS_PRE_CONTENT"}
FAN_INIT_FLAGS = (
    (0x1, "FAN_CLOEXEC"),
    (0x2, "FAN_NONBLOCK"),
    (0x10, "FAN_UNLIMITED_QUEUE"),
    (0x20, "FAN_UNLIMITED_MARKS"),
    (0x40, "FAN_ENABLE_AUDIT"),
    (0x80, "FAN_REPORT_PIDFD"),
    (0x100, "FAN_REPORT_TID"),
    (0x200, "FAN_REPORT_FID"),
    (0x400, "FAN_REPORT_DIR_FID"),
    (0x800, "FAN_REPORT_NAME"),
    (0x1000, "FAN_REPORT_TARGET_FID"),
)
FAN_MARK_FLAGS = (
    (0x1, "FAN_MARK_ADD"),
    (0x2, "FAN_MARK_REMOVE"),
    (0x4, "FAN_MARK_DONT_FOLLOW"),
    (0x8, "FAN_MARK_ONLYDIR"),
    (0x10, "FAN_MARK_MOUNT"),
    (0x20, "FAN_MARK_IGNORED_MASK"),
    (0x40, "FAN_MARK_IGNORED_SURV_MODIFY"),
    (0x80, "FAN_MARK_FLUSH"),
    (0x100, "FAN_MARK_FILESYSTEM"),
    (0x200, "FAN_MARK_EVICTABLE"),
    (0x400, "FAN_MARK_IGNORE"),
)

# landlock_create_ruleset_flags.in, landlock_rule_types.in, landlock_ruleset_access_fs.in
LANDLOCK_CREATE_RULESET_FLAGS = ((0x1, "LANDLOCK_CREATE_RULESET_VERSION"),)
LANDLOCK_RULE_TYPES = {1: "LANDLOCK_RULE_PATH_BENEATH"}
LANDLOCK_ACCESS_FS = tuple(
    (1 << n, f"LANDLOCK_ACCESS_FS_{name}")
    for n, name in enumerate(
        (
            "EXECUTE",
            "WRITE_FILE",
            "READ_FILE",
            "READ_DIR",
            "REMOVE_DIR",
            "REMOVE_FILE",
            "MAKE_CHAR",
            "MAKE_DIR",
            "MAKE_REG",
            "MAKE_SOCK",
            "MAKE_FIFO",
            "MAKE_BLOCK",
            "MAKE_SYM",
            "REFER",
        )
    )
)
