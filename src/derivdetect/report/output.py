"""The output folder: the one place that decides where derivdetect may write, and how.

The rule (README, "Output safety"):

- derivdetect writes only into a folder that is new, empty, or one it wrote before: it leaves a
  marker file (:data:`MARKER`) there, and a folder holding only the names it writes (a report of
  a version before the marker) counts as its own. Anything else is refused (:class:`OutputError`,
  exit code 2), before the scan starts, so a user's files are never overwritten.
- The output is never the scanned folder, nor a folder that holds it.
- One scan at a time per output folder: a lock file inside it, held with ``flock`` for the
  whole scan. A second scan fails at once with :class:`OutputBusyError` naming the holder's pid
  (a cron job that overlaps itself should skip a run, not queue behind it).
- The report is built in a staging folder beside the output and swapped in as a whole (one
  ``renameat2(RENAME_EXCHANGE)`` on Linux; two renames elsewhere): a reader sees the old report
  or the new one, never a mix. A small guard process removes the staging folder if the scan is
  killed (even by SIGKILL) while writing; the next scan also removes any that are left. Files
  in the folder that derivdetect did not write are moved into the new report, never deleted.
- Files are created with the usual permissions (``0666`` less the umask), not ``0600``.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Callable, Optional

from .. import __version__
from ..errors import OutputBusyError, OutputError
from ..store.files import REPORT_MARKER, atomic_write, creation_mode

MARKER = REPORT_MARKER
LOCK_NAME = ".derivdetect-lock"
CACHE_NAME = ".cache"
#: Names a report folder of derivdetect holds (a folder holding only these is its own).
OWN_NAMES = frozenset({MARKER, LOCK_NAME, CACHE_NAME, "pairs.json", "pairs.csv", "index.html",
                       "pairs", "pages"})
_STAGING = ".{name}.derivdetect-staging-"

# The guard: reads what its parent tells it until the pipe closes. Without a final "done" (the
# parent died, however it died), it moves back what was carried into the staging folder (the
# cache, a user's files) and removes the staging folder.
_GUARD = r"""
import json, os, shutil, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
data = b""
while True:
    chunk = os.read(0, 4096)
    if not chunk:
        break
    data += chunk
lines = [json.loads(line) for line in data.decode("utf-8", "surrogateescape").splitlines()
         if line.startswith("[")]
if not data.endswith(b"done"):
    for _, source, target in reversed(lines):
        if os.path.lexists(source) and not os.path.lexists(target):
            try:
                os.rename(source, target)
            except OSError:
                pass
    shutil.rmtree(sys.argv[1], ignore_errors=True)
"""


_OWN_PATTERN = re.compile(r"\.(?:pairs\.json|pairs\.csv|index\.html|\.derivdetect-report)\.\w+\.tmp"
                          r"|\..+\.derivdetect-staging-\w+")
#: Files that keep an otherwise empty folder in version control: such a folder counts as empty.
PLACEHOLDERS = frozenset({".gitkeep", ".keep", ".gitignore"})


#: The names derivdetect writes inside its folders: a file of another name there is a user's.
_OWN_IN_FOLDERS = {
    "pairs": re.compile(r"(?:\.)?[a-z0-9_-]{1,40}--[a-z0-9_-]{1,40}--[0-9a-f]{16,64}\.html"
                        r"(?:\.\w+\.tmp)?"),
    "pages": re.compile(r"(?:\.)?(?:pairs|families)-\d+\.html(?:\.\w+\.tmp)?"),
}


def _own_name(name: str) -> bool:
    """A name derivdetect writes at the top of an output folder."""
    return name in OWN_NAMES or _OWN_PATTERN.fullmatch(name) is not None


def _carried(name: str) -> bool:
    """A top-level entry that moves with the report from one staging folder to the next: the
    cache, and anything derivdetect did not write."""
    return name == CACHE_NAME or not _own_name(name)


def _users_files(folder: Path, name: str) -> list:
    """The entries of ``folder`` (derivdetect's folder ``name``) that derivdetect did not
    write."""
    own = _OWN_IN_FOLDERS[name]
    return [entry for entry in os.listdir(folder) if not own.fullmatch(entry)]


def _is_own(folder: Path) -> bool:
    """Empty, marked, or a report of a version before the marker: only names derivdetect
    writes, and a ``pairs.json`` with the contract's keys."""
    names = {entry.name for entry in os.scandir(folder)}
    if MARKER in names or all(name in PLACEHOLDERS or name == LOCK_NAME
                              or _OWN_PATTERN.fullmatch(name) for name in names):
        return True   # empty, or a scan is making it (its lock, its marker being written)
    if not all(_own_name(name) for name in names) or "pairs.json" not in names:
        return False
    try:
        with open(folder / "pairs.json", encoding="utf-8") as handle:
            head = handle.read(4096)
    except (OSError, UnicodeDecodeError):
        return False
    return head.lstrip().startswith("{") and '"scan"' in head and '"settings"' in head


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


class OutputFolder:
    """An output folder, checked and locked (:meth:`open`) for one scan, then filled through
    :meth:`publish`. Use as a context manager::

        with OutputFolder(out, scanned=folder) as target:
            result = scan(folder, config, cache_dir=target.cache_dir)
            written = target.publish(lambda staging: write_files(result, staging))
    """

    def __init__(self, path: Path, scanned: Optional[Path] = None):
        self.path = Path(path)
        self.scanned = Path(scanned) if scanned is not None else None
        self._lock_fd: Optional[int] = None
        self._guard: Optional[subprocess.Popen] = None
        self._staging: Optional[Path] = None
        self._place: Optional[Path] = None
        self.replaced = False   # the new report is in place

    @property
    def cache_dir(self) -> Path:
        return self.path / CACHE_NAME

    # ------------------------------------------------------------------ check and lock

    def open(self) -> "OutputFolder":
        """Check the rule, make the folder if needed and take the lock; raises
        :class:`OutputError` (or :class:`OutputBusyError`) with a one-line message."""
        shown = self.path
        real = Path(os.path.realpath(self.path))
        if self.scanned is not None:
            scanned = Path(os.path.realpath(self.scanned))
            if real == scanned:
                raise OutputError(f"{shown}: the output folder is the scanned folder; "
                                  "choose another --out (default: reports/)")
            if _inside(scanned, real):
                raise OutputError(f"{shown}: the output folder holds the scanned folder "
                                  f"{self.scanned}; choose another --out")
        try:
            if not real.exists():   # (another scan may make it at the same moment)
                real.mkdir(parents=True, exist_ok=True, mode=creation_mode(directory=True))
            if not real.is_dir():
                raise OutputError(f"{shown}: exists and is not a folder; choose another --out")
            if not _is_own(real):
                raise OutputError(
                    f"{shown}: not empty and not a derivdetect report folder (no {MARKER} "
                    "file); choose a new or empty --out folder")
            self._lock(real)
            if not (real / MARKER).exists():
                self._write_marker(real)
            self._remove_leftovers(real)
            self._place = self._staging_place(real)
        except OSError as exc:
            self.close()
            raise OutputError(f"{shown}: cannot write the output folder "
                              f"({exc.strerror or exc}); choose a writable --out") from None
        except BaseException:
            self.close()
            raise
        return self

    def _lock(self, real: Path) -> None:
        import fcntl

        fd = os.open(real / LOCK_NAME, os.O_RDWR | os.O_CREAT, creation_mode())
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise OutputBusyError(
                    f"{self.path}: another derivdetect scan{who} is writing this folder; "
                    "wait for it to finish or choose another --out") from None
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._lock_fd = fd

    @staticmethod
    def _write_marker(folder: Path) -> None:
        atomic_write(folder / MARKER, json.dumps(
            {"tool": "derivdetect", "version": __version__,
             "note": "derivdetect writes into this folder and replaces its report as a whole"})
            + "\n")

    def _remove_leftovers(self, real: Path) -> None:
        """Staging folders of this output left by a scan that died with its guard (only the
        lock holder makes them, so every one found now is stale): the files carried into one
        (a user's, the cache) go back first, then it is removed."""
        prefix = _STAGING.format(name=real.name)
        for place in (real.parent, real):
            try:
                entries = list(os.scandir(place))
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(prefix) and entry.is_dir(follow_symlinks=False):
                    _rescue(Path(entry.path), real)
                    shutil.rmtree(entry.path, ignore_errors=True)

    def _staging_place(self, real: Path) -> Path:
        """Where the staging folder goes: beside the output folder, so that it can be swapped
        in whole; inside it when that can't work (the output folder is a mount point, its
        parent is not writable, or a sticky parent forbids renaming a folder of another
        user), and then the report's parts are replaced one by one, the index last."""
        parent = real.parent
        try:
            st, parent_st = real.stat(), parent.stat()
        except OSError:
            return real
        if st.st_dev != parent_st.st_dev or not os.access(parent, os.W_OK | os.X_OK):
            return real
        me = os.geteuid()
        if parent_st.st_mode & stat.S_ISVTX and me not in (0, st.st_uid, parent_st.st_uid):
            return real
        return parent

    # ------------------------------------------------------------------ write and swap

    def publish(self, write: Callable[[Path], list]) -> list:
        """Run ``write(staging)`` to fill a fresh staging folder, carry over the cache and the
        files derivdetect did not write, and swap the staging folder in for the output
        folder (see :meth:`_staging_place` for when it is replaced part by part). Returns the
        paths ``write`` returned, as they lie in the output folder."""
        if self._lock_fd is None:
            raise RuntimeError("OutputFolder.publish before open")
        real = Path(os.path.realpath(self.path))
        carried: list = []
        try:
            # the guard first: there is no moment when a staging folder exists unguarded
            staging = self._place / (_STAGING.format(name=real.name) + secrets.token_hex(6))
            self._guard = _start_guard(staging)
            self._staging = staging
            os.mkdir(staging)
            _same_folder_settings(real, staging)
            written = write(staging)
            self._write_marker(staging)
            try:
                if self._place == real:
                    self._replace_parts(real, staging)
                else:
                    self._carry(real, staging, carried)
                    _exchange(staging, real)
            except BaseException:
                _move_back(carried)
                raise
            self.replaced = True
            shutil.rmtree(staging, ignore_errors=True)   # now the old report
            self._staging = None
        except OSError as exc:
            raise OutputError(f"{self.path}: cannot write the report "
                              f"({exc.strerror or exc}); the previous report is unchanged"
                              ) from None
        finally:
            self._end_guard()
        return [self.path / Path(p).relative_to(staging) for p in written]

    def _replace_parts(self, real: Path, staging: Path) -> None:
        """The report's folders swapped in one at a time (a user's files in the old ones
        carried over, the guard told first), then its files, ``index.html`` last."""
        names = sorted(os.listdir(staging), key=lambda n: (n == "index.html", n))
        for name in names:
            new, old = staging / name, real / name
            if name in _OWN_IN_FOLDERS and new.is_dir() and old.is_dir():
                keep = [e for e in _users_files(old, name) if not (new / e).exists()]
                for e in keep:   # after the swap the old folder is at the staging name
                    self._tell_guard(json.dumps(["back", str(new / e), str(old / e)]) + "\n")
                _exchange(new, old)
                for e in keep:
                    os.rename(new / e, old / e)
            elif name != LOCK_NAME:
                os.replace(new, old)

    def _carry(self, real: Path, staging: Path, carried: list) -> None:
        """Into the staging folder: the lock file (the same file, so the lock holds across
        the swap), the cache, and every file derivdetect did not write (a user's notes beside
        the report are kept, never deleted). Each move is told to the guard first, which
        moves it back if the scan dies before the swap."""
        try:
            os.link(real / LOCK_NAME, staging / LOCK_NAME)
        except OSError:
            pass   # a file system without hard links: the lock covers the write, not after
        written = {entry.name for entry in os.scandir(staging)}
        for entry in os.scandir(real):
            if entry.name in written or entry.name == LOCK_NAME:
                continue
            if _carried(entry.name):
                self._move(entry.path, staging / entry.name, carried)
        for folder in _OWN_IN_FOLDERS:
            if not (real / folder).is_dir():
                continue
            (staging / folder).mkdir(exist_ok=True)
            written = set(os.listdir(staging / folder))
            for name in _users_files(real / folder, folder):
                if name not in written:
                    self._move(str(real / folder / name), staging / folder / name, carried)

    def _move(self, home: str, target: Path, carried: list) -> None:
        move = (str(target), home)
        self._tell_guard(json.dumps(["back", *move]) + "\n")
        os.rename(home, target)
        carried.append(move)

    def _tell_guard(self, message: str) -> None:
        if self._guard is not None:
            self._guard.stdin.write(message.encode("utf-8", "surrogateescape"))
            self._guard.stdin.flush()

    def _end_guard(self) -> None:
        guard, self._guard = self._guard, None
        if guard is None:
            return
        try:
            if self._staging is None:
                guard.stdin.write(b"done")
            guard.stdin.close()
            guard.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            guard.kill()

    def close(self) -> None:
        """Remove an unfinished staging folder and release the lock."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        self._end_guard()
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    def __enter__(self) -> "OutputFolder":
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


def _same_folder_settings(real: Path, staging: Path) -> None:
    """The staging folder gets the output folder's mode (setgid bit included) and group, so
    that swapping it in changes neither, and new files inherit the group as usual."""
    try:
        st = real.stat()
        os.chmod(staging, stat.S_IMODE(st.st_mode))
        if staging.stat().st_gid != st.st_gid:
            os.chown(staging, -1, st.st_gid)
    except OSError:
        os.chmod(staging, creation_mode(directory=True))


def _rescue(staging: Path, real: Path) -> None:
    """Move back what a dead scan had carried into ``staging``: files derivdetect did not
    write (at the top and inside its own folders) and the cache, where nothing took their
    place."""
    def back(source: Path, home: Path) -> None:
        if not os.path.lexists(home):
            try:
                os.rename(source, home)
            except OSError:
                pass

    for entry in list(os.scandir(staging)):
        if entry.name in _OWN_IN_FOLDERS and entry.is_dir(follow_symlinks=False):
            if (real / entry.name).is_dir():
                for name in _users_files(Path(entry.path), entry.name):
                    back(Path(entry.path) / name, real / entry.name / name)
        elif _carried(entry.name):
            back(Path(entry.path), real / entry.name)


def _move_back(carried: list) -> None:
    for source, home in reversed(carried):
        if os.path.lexists(source) and not os.path.lexists(home):
            os.rename(source, home)


def _start_guard(staging: Path) -> Optional[subprocess.Popen]:
    try:
        return subprocess.Popen([sys.executable, "-S", "-c", _GUARD, str(staging)],
                                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True,
                                close_fds=True)
    except OSError:
        return None   # no guard: a kill -9 while writing leaves staging for the next scan


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, old: Path) -> None:
    """Swap two folders atomically (Linux ``renameat2``); elsewhere two renames, with the
    old folder moved aside first (a crash between them leaves no output folder but the new
    report at the staging name, which the next scan clears)."""
    libc = _libc()
    if libc is not None:
        result = libc.renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(old),
                                _RENAME_EXCHANGE)
        if result == 0:
            return
        code = ctypes.get_errno()
        if code not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(code, os.strerror(code), str(old))
    aside = Path(tempfile.mkdtemp(prefix=_STAGING.format(name=old.name), dir=old.parent))
    os.rmdir(aside)
    os.rename(old, aside)
    os.rename(new, old)
    os.rename(aside, new)


def _libc():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                   ctypes.c_char_p, ctypes.c_uint]
        return libc
    except (OSError, AttributeError):
        return None
