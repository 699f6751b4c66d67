"""`orinctl` subcommands."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import FrameType

from . import DevstackError
from .config import Settings, load_settings
from .paths import Paths
from .processes import ProcessSpec, Supervisor
from .stack import Stack
from .system import apt_install, is_root
from .util import LOCALHOST, info, port_is_free

# Subcommands whose remaining arguments go verbatim to another program.
PASSTHROUGH = ("test", "manage")

# Extra `run` processes that start only once the management command exists:
# process name -> manage.py command.
OPTIONAL_MANAGE_PROCESSES = {"streams": "run_streams", "recorder": "record_cameras"}

CELERY_QUEUES = "recognition,notifications,celery"
# Partition create/attach/drop needs the tables' owner, so that queue has a worker of its own.
MAINTENANCE_QUEUE = "maintenance"
# What the console, API, websockets and workers connect to the embedded PostgreSQL as: not a
# superuser, so the row-level security policies apply (migrations and maintenance stay the owner's).
APP_ROLE = "orin_app"
BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
BROWSER_PACKAGES = ["chromium", "chromium-driver", "fonts-dejavu-core"]


class Terminated(Exception):
    """SIGTERM outside the supervisor: unwind so `finally` blocks stop services."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="orinctl",
        description="Set up and run the ORIN dev/test stack. All state lives in .orin/.",
        epilog=(
            "environment: DATABASE_URL / REDIS_URL (use your own servers instead of the embedded ones), "
            "ORIN_PG_PORT (54329), ORIN_REDIS_PORT (63799), ORIN_HTTP_PORT (8000), "
            "ORIN_FACE_MODEL_DIR, ORIN_MEDIA_ROOT, ORIN_PYTHON"
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="set up, migrate, seed demo data and run the console (Ctrl-C stops)")
    sub.add_parser("test", help="set up and run pytest; extra arguments go to pytest")
    sub.add_parser("services", help="start only PostgreSQL + Redis and print the env exports")
    sub.add_parser("env", help='print the env exports (use: eval "$(./orinctl env)")')
    sub.add_parser("stop", help="stop the embedded PostgreSQL and Redis")
    sub.add_parser("status", help="show whether the embedded services run")
    sub.add_parser("manage", help="run manage.py ARGS... with the env set (starts services)")
    return parser


def parse(argv: list[str]) -> tuple[str, list[str]]:
    parser = build_parser()
    if argv and argv[0] in PASSTHROUGH:
        return argv[0], argv[1:]
    return parser.parse_args(argv).command, []


# -- helpers ----------------------------------------------------------------


def _require_project(paths: Paths) -> None:
    if not (paths.root / "manage.py").is_file():
        raise DevstackError(f"{paths.root}/manage.py not found; is the Django project checked out?")


def _manage(stack: Stack, *args: str) -> None:
    cmd = [sys.executable, "manage.py", *args]
    info(f"manage.py {' '.join(args)}")
    rc = subprocess.run(
        cmd, check=False, cwd=stack.paths.root, env=stack.child_env(), stdin=subprocess.DEVNULL
    ).returncode
    if rc != 0:
        raise DevstackError(f"`manage.py {' '.join(args)}` failed with exit code {rc} (output above)")


def _management_command_exists(root: Path, command: str) -> bool:
    # A file check instead of `manage.py help X`, which costs a Django start.
    return any(root.glob(f"*/management/commands/{command}.py"))


def _run_processes(paths: Paths, settings: Settings, app_env: dict[str, str]) -> list[ProcessSpec]:
    celery = str(paths.venv_bin / "celery")
    port = str(settings.http_port)
    beat_schedule = str(paths.run / "celerybeat-schedule")  # unused by the DB scheduler; keeps the repo clean
    specs = [
        # daphne, minus Twisted's own multipart parsing (orin/web_server.py says why)
        ProcessSpec(
            "web",
            [sys.executable, "-m", "orin.web_server", "-b", LOCALHOST, "-p", port, "orin.asgi:application"],
            app_env,
        ),
        ProcessSpec(
            "worker",
            [celery, "-A", "orin", "worker", "-Q", CELERY_QUEUES, "--concurrency", "2", "-l", "info", "-n", "app@%h"],
            app_env,
        ),
        ProcessSpec(
            "maintenance",
            [
                celery,
                "-A",
                "orin",
                "worker",
                "-Q",
                MAINTENANCE_QUEUE,
                "--concurrency",
                "1",
                "-l",
                "info",
                "-n",
                "maint@%h",
            ],
        ),
        ProcessSpec(
            "beat", [celery, "-A", "orin", "beat", "-l", "info", "--scheduler", BEAT_SCHEDULER, "-s", beat_schedule]
        ),
    ]
    for name, command in OPTIONAL_MANAGE_PROCESSES.items():
        if _management_command_exists(paths.root, command):
            specs.append(ProcessSpec(name, [sys.executable, "manage.py", command], app_env))
    return specs


def _app_role_env(stack: Stack) -> dict[str, str]:
    """DATABASE_URL of the non-superuser application role, granted after the migrate that just
    ran; nothing when the user brought their own database (their roles, their choice)."""
    if stack.settings.database_url:
        return {}
    _manage(stack, "grant_app_role", APP_ROLE, "--create")
    owner_url = stack.exports()["DATABASE_URL"]
    scheme, _, rest = owner_url.partition("://")
    return {"DATABASE_URL": f"{scheme}://{APP_ROLE}@{rest.split('@', 1)[1]}"}


def _banner(paths: Paths, settings: Settings) -> None:
    logins_file = paths.state / "demo_logins.txt"
    try:
        logins = logins_file.read_text().strip()
    except OSError:
        logins = "see README"
    print(
        "\n"
        f"  ORIN console:  http://{LOCALHOST}:{settings.http_port}/admin/\n"
        f"  Demo logins:   {logins.replace(chr(10), chr(10) + ' ' * 17)}\n"
        f"  Logs:          {paths.logs}/<name>.log   (Ctrl-C stops everything)\n",
        flush=True,
    )


def _ensure_chromium(paths: Paths) -> None:
    if Path("/usr/bin/chromium").exists() and Path("/usr/bin/chromedriver").exists():
        return
    hint = f"apt-get install {' '.join(BROWSER_PACKAGES)}"
    if not is_root():
        info(
            f"warning: /usr/bin/chromium or chromedriver is missing, browser tests will fail; install with: sudo {hint}"
        )
        return
    log = paths.logs / "apt.log"
    info(f"installing {', '.join(BROWSER_PACKAGES)} for browser tests (apt-get, about a minute; log: {log})")
    if not apt_install(BROWSER_PACKAGES, log):
        info(f"warning: could not install chromium; browser tests will fail (try: {hint})")


# -- commands -----------------------------------------------------------------


def cmd_run(stack: Stack) -> int:
    paths, settings = stack.paths, stack.settings
    _require_project(paths)
    if not port_is_free(settings.http_port):
        raise DevstackError(
            f"port {settings.http_port} is in use by another program; set ORIN_HTTP_PORT to a free port"
        )
    started = stack.start()
    try:
        _manage(stack, "migrate", "--noinput")
        _manage(stack, "collectstatic", "--noinput")
        try:
            _manage(stack, "seed_demo")
        except DevstackError as exc:  # demo data is a convenience: never a reason not to start
            info(f"warning: {exc}; the console starts without (some) demo data")
        supervisor = Supervisor(
            _run_processes(paths, settings, _app_role_env(stack)),
            env=stack.child_env(),
            cwd=paths.root,
            log_dir=paths.logs,
        )
        supervisor.run(on_started=lambda: _banner(paths, settings))
    finally:
        # Services we started die with `run`; ones already running (from
        # `./orinctl services`) belong to someone else and stay up.
        if started:
            stack.stop(started)
    return 0


def cmd_test(stack: Stack, pytest_args: list[str]) -> int:
    _require_project(stack.paths)
    stack.start()
    _ensure_chromium(stack.paths)
    env = stack.child_env()
    if not os.environ.get("REDIS_URL"):
        # Redis database 1 for tests: a dev worker from `./orinctl run` (database 0) must never
        # consume the suite's tasks or websocket groups.
        env["REDIS_URL"] = env["REDIS_URL"].rsplit("/", 1)[0] + "/1"
    if not os.environ.get("ORIN_MEDIA_ROOT"):
        env["ORIN_MEDIA_ROOT"] = str(stack.paths.state / "test-media")
    if "synchronous_commit" not in env.get("PGOPTIONS", ""):
        # Throwaway test databases need no durable commits; the server default stays on.
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} -c synchronous_commit=off".strip()
        info("tests run with synchronous_commit=off in their own database sessions (the server keeps it on)")
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        # pytest-django ranks the env var above its ini option; let the
        # project's pytest config choose the test settings.
        env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *pytest_args], cwd=stack.paths.root, env=env)

    # Ctrl-C already reaches pytest (same process group); we just wait for
    # its summary. A SIGTERM aimed at us (CI cancel) is passed on.
    def forward(signum: int, frame: FrameType | None) -> None:
        if signum == signal.SIGTERM:
            proc.send_signal(signum)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    rc = proc.wait()
    if rc == 5 and not pytest_args:
        info("pytest collected no tests; the test suite is missing or its configuration is broken")
    return rc


def cmd_services(stack: Stack) -> int:
    stack.start()
    sys.stdout.write(stack.shell_exports())
    for svc in stack.managed:
        info(f"{svc.name} running at {svc.url}")
    info('use them with: eval "$(./orinctl env)"; stop them with: ./orinctl stop')
    return 0


def cmd_env(stack: Stack) -> int:
    sys.stdout.write(stack.shell_exports())
    for svc in stack.managed:
        if svc.running() is None:
            info(f"warning: the embedded {svc.name} is not running; start it with ./orinctl services")
    return 0


def cmd_stop(stack: Stack) -> int:
    if not stack.stop():
        info("nothing to stop")
    return 0


def cmd_status(stack: Stack) -> int:
    for svc in (stack.postgres, stack.redis):
        state = f"running at {svc.url}" if svc.running() is not None else "stopped"
        print(f"{svc.name}: {state}")
    return 0


def cmd_manage(stack: Stack, args: list[str]) -> int:
    _require_project(stack.paths)
    stack.start()
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(stack.paths.root)
    os.execve(sys.executable, [sys.executable, "manage.py", *args], stack.child_env())


def main(argv: list[str]) -> int:
    preflight = bool(argv) and argv[0] == "--preflight"
    if preflight:
        argv = argv[1:]
    command, extra = parse(argv)
    settings = load_settings()
    if preflight:
        return 0  # arguments and URLs are fine; orinctl goes on to bootstrap
    signal.signal(signal.SIGTERM, _raise_terminated)
    stack = Stack(Paths(), settings)
    stack.paths.ensure_dirs()
    handlers = {
        "run": lambda: cmd_run(stack),
        "test": lambda: cmd_test(stack, extra),
        "services": lambda: cmd_services(stack),
        "env": lambda: cmd_env(stack),
        "stop": lambda: cmd_stop(stack),
        "status": lambda: cmd_status(stack),
        "manage": lambda: cmd_manage(stack, extra),
    }
    return handlers[command]()
