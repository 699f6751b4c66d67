"""Host-level helpers: running as root, system users, apt."""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from . import DevstackError
from .util import info, tail


def is_root() -> bool:
    return os.geteuid() == 0


def ensure_system_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    if shutil.which("useradd") is None:
        raise DevstackError(f"need a system user {name!r} to run PostgreSQL as root, but useradd is missing")
    info(f"creating system user {name} (PostgreSQL refuses to run as root)")
    cmd = ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin"]
    proc = subprocess.run(
        [*cmd, "--user-group", name], check=False, stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise DevstackError(f"useradd {name} failed: {proc.stderr.strip() or proc.returncode}")
    return pwd.getpwnam(name)


def chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    for dirpath, dirnames, filenames in os.walk(path):
        for entry in dirnames + filenames:
            os.chown(os.path.join(dirpath, entry), uid, gid, follow_symlinks=False)


def first_untraversable_dir(target: Path, user: pwd.struct_passwd) -> Path | None:
    """The first ancestor of target that `user` cannot enter (mode bits only, no ACLs)."""
    for d in [*reversed(target.parents), target]:
        try:
            st = d.stat()
        except FileNotFoundError:
            return None  # not created yet; we create it with sane modes
        if st.st_uid == user.pw_uid:
            ok = st.st_mode & stat.S_IXUSR
        elif st.st_gid == user.pw_gid:
            ok = st.st_mode & stat.S_IXGRP
        else:
            ok = st.st_mode & stat.S_IXOTH
        if not ok:
            return d
    return None


def as_user(user: str | None, cmd: list[str]) -> list[str]:
    """Prefix cmd so it runs as `user` (we are root) or unchanged (user is None)."""
    if user is None:
        return cmd
    if shutil.which("runuser") is None:
        raise DevstackError("runuser (util-linux) is required to start PostgreSQL as root")
    return ["runuser", "-u", user, "--", *cmd]


def apt_install(packages: list[str], log: Path) -> bool:
    """Install Debian packages as root; False (after showing why) when that fails."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with log.open("a") as out:
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
            try:
                rc = subprocess.run(
                    cmd, check=False, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out
                ).returncode
            except FileNotFoundError:
                info("apt-get not found (not a Debian-like system?)")
                return False
            if rc != 0:
                print(tail(log, 10), end="", file=sys.stderr)
                info(f"{' '.join(cmd[:2])} failed with exit code {rc} (log: {log})")
                return False
    return True
