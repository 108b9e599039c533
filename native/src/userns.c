/*
 * The monitor's part of a container in a user namespace, done while the monitor is still host root and the child waits:
 *
 * The id-mapped rootfs: only host root may id-map a mount of a host filesystem, and the child is no host root by then.
 * Each image layer is cloned as a detached mount, id-mapped to the child's user namespace (so the layers stay as they
 * are on disk, owned by host root, and the container's root sees them as its own), then stacked under the container's
 * upper dir as an overlay, which is attached at the rootfs inside the child's mount namespace before the child goes on.
 *
 * The stdio pipes: they are given to the container's root, as containerd does, so that it may reopen /dev/stdout
 * (nginx logs there) and hand them on to its process's user; owned by unmapped host root, they would be out of reach.
 */
#include "shim.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int open_ns(pid_t pid, const char *name)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
    return open(path, O_RDONLY | O_CLOEXEC);
}

/* A detached clone of dir whose ids are shown through the user namespace's mapping. */
static int idmapped_layer(const char *dir, int userns_fd)
{
    int layer = open_tree(AT_FDCWD, dir, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (layer < 0)
        return -1;
    struct mount_attr attr = { .attr_set = MOUNT_ATTR_IDMAP, .userns_fd = userns_fd };
    if (mount_setattr(layer, "", AT_EMPTY_PATH, &attr, sizeof(attr)) < 0) {
        int err = errno;
        close(layer);
        errno = err;
        return -1;
    }
    return layer;
}

/*
 * The overlay as a detached mount: lower layers top first, passed as fds (the kernel takes "lowerdir+" ones). The layers'
 * fds stay open until the overlay exists: closing a detached mount's last fd dissolves it, and overlay only clones its
 * layers at create.
 */
static int detached_overlay(const struct record *r, int userns_fd)
{
    int count = r->argc - 3, layers[count];
    int fs = fsopen("overlay", FSOPEN_CLOEXEC);
    if (fs < 0)
        return -1;
    int opened = 0, rc = 0;
    for (; opened < count && rc == 0; opened++) {
        layers[opened] = idmapped_layer(r->argv[3 + opened], userns_fd);
        rc = layers[opened] < 0 ? -1 : fsconfig(fs, FSCONFIG_SET_FD, "lowerdir+", NULL, layers[opened]);
    }
    if (rc == 0 && (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", r->argv[1], 0) < 0 ||
                    fsconfig(fs, FSCONFIG_SET_STRING, "workdir", r->argv[2], 0) < 0 ||
                    fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0))
        rc = -1;
    int mount_fd = rc == 0 ? fsmount(fs, FSMOUNT_CLOEXEC, 0) : -1;
    int err = errno;
    for (int i = 0; i < opened; i++)
        if (layers[i] >= 0)
            close(layers[i]);
    close(fs);
    errno = err;
    return mount_fd;
}

/* Attaches the mount at target in the mount namespace of pid, then comes back to the monitor's own. */
static int attach_in(pid_t pid, int mount_fd, const char *target)
{
    int own = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC), theirs = open_ns(pid, "mnt");
    int rc = own < 0 || theirs < 0 ? -1 : setns(theirs, CLONE_NEWNS);
    if (rc == 0) {
        rc = move_mount(mount_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
        int err = errno;
        /* coming back cannot fail for host root; the monitor's paths (exit file, socket) must mean the host's again */
        if (setns(own, CLONE_NEWNS) < 0 || chdir("/") < 0)
            rc = -1;
        else
            errno = err;
    }
    int err = errno;
    if (own >= 0)
        close(own);
    if (theirs >= 0)
        close(theirs);
    errno = err;
    return rc;
}

int mount_idmapped_overlay(const struct record *r, pid_t child)
{
    if (r->argc < 4) {
        errno = EINVAL;
        return -1;
    }
    int userns_fd = open_ns(child, "user");
    if (userns_fd < 0)
        return -1;
    int mount_fd = detached_overlay(r, userns_fd);
    int err = errno;
    close(userns_fd);
    if (mount_fd < 0) {
        errno = err;
        return -1;
    }
    int rc = attach_in(child, mount_fd, r->argv[0]);
    err = errno;
    close(mount_fd);
    errno = err;
    return rc;
}

int chown_stdio_pipes(const struct record *owner, const int *fds, int n)
{
    if (owner->argc != 2) {
        errno = EINVAL;
        return -1;
    }
    for (int i = 0; i < n; i++)
        if (fds[i] >= 0 && fchown(fds[i], arg_num(owner, 0), arg_num(owner, 1)) < 0)
            return -1;
    return 0;
}
