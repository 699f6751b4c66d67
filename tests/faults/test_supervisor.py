"""`orinctl run`'s supervisor with real child processes: a child that crashes is started again
(and says so) while its siblings keep running; one that keeps crashing stops the stack with an
error; Ctrl-C/SIGTERM stops everything cleanly. The supervisor runs in its own process (it owns
the signal handlers), with short backoffs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.ops.conftest import wait_for

pytestmark = pytest.mark.timeout(60)

SUPERVISOR = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from devstack import processes
    from devstack.processes import ProcessSpec, Supervisor

    processes.RESTART_INITIAL_SECONDS = 0.2
    processes.MAX_CRASHES = 4
    processes.CRASH_WINDOW_SECONDS = 30
    work = Path(sys.argv[1])
    flaky, steady = sys.argv[2], sys.argv[3]
    specs = [
        ProcessSpec("steady", [sys.executable, "-c", steady, str(work)]),
        ProcessSpec("flaky", [sys.executable, "-c", flaky, str(work)]),
    ]
    try:
        Supervisor(specs, env=dict(__import__("os").environ), cwd=work, log_dir=work).run()
    except Exception as exc:
        print(f"SUPERVISOR STOPPED: {exc}", flush=True)
        sys.exit(1)
    print("SUPERVISOR DONE", flush=True)
    """
)
# Writes its pid, then runs until stopped.
STEADY = (
    "import os, sys, time, pathlib\n"
    "pathlib.Path(sys.argv[1], 'steady.pid').write_text(str(os.getpid()))\n"
    "time.sleep(300)\n"
)


def crash_times(n: int) -> str:
    """A child that exits with code 3 on its first n starts, then runs until stopped."""
    return (
        "import sys, time, pathlib\n"
        "p = pathlib.Path(sys.argv[1], 'starts'); starts = int(p.read_text() or 0) + 1 if p.exists() else 1\n"
        "p.write_text(str(starts))\n"
        f"sys.exit(3) if starts <= {n} else time.sleep(300)\n"
    )


def supervise(tmp_path: Path, flaky: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, str(tmp_path), flaky, STEADY],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def starts(tmp_path: Path) -> int:
    path = tmp_path / "starts"
    return int(path.read_text() or 0) if path.exists() else 0


def test_a_crashed_child_is_restarted_and_its_siblings_keep_running(tmp_path):
    proc = supervise(tmp_path, crash_times(2))
    try:
        steady_pid = int(wait_for(lambda: (tmp_path / "steady.pid").exists() and (tmp_path / "steady.pid").read_text()))
        wait_for(lambda: starts(tmp_path) == 3, timeout=20, what="the flaky child's third start")
        time.sleep(1)  # the third start runs; nothing else happens
        assert proc.poll() is None, "the supervisor stopped the stack"
        assert int((tmp_path / "steady.pid").read_text()) == steady_pid
        os.kill(steady_pid, 0)  # still the same, still running
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "SUPERVISOR DONE" in out, out
    assert out.count("flaky exited with code 3; restarting it") == 2, out
    assert "restarting flaky (restart 2)" in out, out
    with pytest.raises(ProcessLookupError):
        os.kill(steady_pid, 0)  # stopped with the stack


def test_a_child_that_keeps_crashing_stops_the_stack(tmp_path):
    proc = supervise(tmp_path, crash_times(1000))
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 1, out
    assert "SUPERVISOR STOPPED: flaky exited with code 3 4 times within 30 s" in out, out
    assert starts(tmp_path) == 4
    steady_pid = int((tmp_path / "steady.pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(steady_pid, 0)
