"""Benchmark: the signed-in framework floor and the big circle's pages, counted so a busy machine can't blur it.

Calls Django's WSGI handler in process (the real middleware, the same request headers wrk sends when
served: the session cookie and `Accept-Encoding: gzip`, no CSRF cookie) on bench/tasks.py's circle
(60 members, 10,000 tasks, 60 family messages), with the cache in Redis when REDIS_URL is set.
Three ways to count, all on the same database, each checkout in its own process:

    .venv/bin/python bench/floor.py                       # instructions per request (valgrind callgrind)
    BENCH_BEFORE=/work/wt/floor-base .venv/bin/python bench/floor.py   # and another checkout's, same database
    BENCH_MODE=cpu .venv/bin/python bench/floor.py        # CPU ms per request, medians of alternating rounds
    BENCH_MODE=profile BENCH_ONLY=one-query .venv/bin/python bench/floor.py   # cProfile, thread time
    BENCH_MODE=profile BENCH_CALLERS="functional.py:276" …   # and who calls what matches

Instructions: each page is run under `valgrind --tool=callgrind --instr-atstart=no`; after 5 requests
to warm up (templates compiled, kept pieces and sections drawn) the process asks for counting to be
turned on (`callgrind_control --instr=on`) and does BENCH_MANY (30) more: start-up is not counted.
The count hardly moves with the machine's load (PYTHONHASHSEED is fixed), so a change of 1 % is real.
The database is kept in BENCH_VAR_DIR (a new temporary directory if unset) and reused when it exists.
Not a test: figures go into docs/performance.md by hand.
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEFORE = os.environ.get("BENCH_BEFORE", "")
MODE = os.environ.get("BENCH_MODE", "instructions")
ONLY = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
MANY = int(os.environ.get("BENCH_MANY", "30"))
WARM = 5
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "9"))
PER_ROUND = int(os.environ.get("BENCH_PER_ROUND", "30"))
# BENCH_MODE=profile: also print who calls the functions matching this pattern.
CALLERS = os.environ.get("BENCH_CALLERS", "")


def pages(circle_id: int) -> list[tuple[str, str]]:
    home = f"/circles/{circle_id}/"
    every = [
        ("/ping", "/ping"),
        ("signed-in one-query page", "/accessibility/"),
        ("circle home", home),
        ("agenda", home + "tasks/"),
        ("week", home + "tasks/week/"),
        ("month", home + "tasks/month/"),
        ("help needed", home + "tasks/needs-help/"),
        ("family conversation", home + "talk/"),
        ("record", home + "record/"),
        ("record medications", home + "record/medications/"),
    ]
    return [page for page in every if not ONLY or any(word in page[0] for word in ONLY)]


def requester(checkout: Path) -> Any:
    """A function doing `count` requests of `path` through this checkout's WSGI handler."""
    sys.path.insert(0, str(checkout))
    os.chdir(checkout)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")
    from django.core.wsgi import get_wsgi_application

    handler: Any = get_wsgi_application()
    cookie = os.environ["BENCH_COOKIE"]

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        assert status.startswith("200"), status

    def run(path: str, count: int) -> None:
        for _ in range(count):
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "SERVER_PROTOCOL": "HTTP/1.1",
                "HTTP_HOST": "127.0.0.1:8000",
                "HTTP_ACCEPT_ENCODING": "gzip",
                "HTTP_COOKIE": cookie,
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "http",
                "wsgi.input": io.BytesIO(),
                "wsgi.errors": sys.stderr,
                "wsgi.multithread": True,
                "wsgi.multiprocess": True,
                "wsgi.run_once": False,
                "wsgi.version": (1, 0),
            }
            response = handler(environ, start_response)
            for _chunk in response:
                pass
            response.close()  # request_finished, as a server does: the connection is kept or closed here.

    return run


def measure_once(checkout: Path, path: str, count: int) -> None:
    """The process valgrind runs: warm the page, say so, wait until counting is on, then `count` requests."""
    run = requester(checkout)
    run(path, WARM)
    print("warm", flush=True)
    sys.stdin.readline()
    run(path, count)
    os._exit(0)  # Counted up to here: not the interpreter's shutdown.


def measure_forever(checkout: Path) -> None:
    """For BENCH_MODE=cpu and profile: reads `path count` lines, answers CPU ms per request (or a profile)."""
    run = requester(checkout)
    print("ready", flush=True)
    for line in sys.stdin:
        mode, path, count = line.split()
        if mode == "profile":
            run(path, WARM)
            profile = cProfile.Profile(time.thread_time)
            profile.runcall(run, path, int(count))
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(35)
            stats = pstats.Stats(profile, stream=out)
            stats.sort_stats("cumulative").print_stats(r"middleware|templat|views|frame", 45)
            if CALLERS:
                stats.print_callers(CALLERS)
            print(json.dumps(out.getvalue()), flush=True)
            continue
        cpu = time.thread_time()
        run(path, int(count))
        print(json.dumps((time.thread_time() - cpu) * 1000 / int(count)), flush=True)


def instructions(checkout: Path, env: dict[str, str], path: str, count: int, directory: Path) -> int:
    """Instructions of `count` requests: valgrind counts nothing until the process is warm."""
    out = directory / f"callgrind.{os.getpid()}.{time.monotonic_ns()}"
    command = ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
    command += [sys.executable, str(Path(__file__).resolve()), "--once", str(checkout), path, str(count)]
    with subprocess.Popen(
        command, env=env, cwd=checkout, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        assert process.stdin is not None
        assert process.stdout.readline().strip() == "warm"
        subprocess.run(["callgrind_control", "--instr=on", str(process.pid)], capture_output=True, check=True)
        process.stdin.write("go\n")
        process.stdin.flush()
        _, errors = process.communicate(timeout=3600)
    match = re.search(r"Collected : (\d+)", errors)
    out.unlink(missing_ok=True)
    assert match is not None, errors[-2000:]
    return int(match.group(1))


def database(var_dir: Path) -> dict[str, str]:
    """bench/tasks.py's circle with bench/home_pages.py's messages, built once per BENCH_VAR_DIR."""
    sys.path.insert(0, str(ROOT / "bench"))
    from run import prepare_environment, ready_environment

    made = var_dir / "floor.json"
    if made.exists():
        env = prepare_environment(var_dir)
        env.update(json.loads(made.read_text()))
        return env
    env = ready_environment(var_dir)
    from home_pages import add_talk_and_record
    from run import build_circle
    from tasks import add_tasks

    circle_id, cookie = build_circle()
    add_tasks(circle_id)
    add_talk_and_record(circle_id)
    kept = {"BENCH_COOKIE": cookie, "BENCH_CIRCLE": str(circle_id), "SECRET_KEY": env["SECRET_KEY"]}
    made.write_text(json.dumps(kept))
    env.update(kept)
    return env


def main() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from run import say

    say(f"load average at start: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")
    var_dir = Path(os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="carecircle-bench-floor-"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**database(var_dir), "PYTHONHASHSEED": "0", "ALLOWED_HOSTS": "127.0.0.1"}
    checkouts = {"now": ROOT}
    if BEFORE:
        checkouts = {"before": Path(BEFORE).resolve(), **checkouts}
    targets = pages(int(env["BENCH_CIRCLE"]))
    if MODE == "instructions":
        say(f"instructions per request: callgrind, counting only {MANY} requests after {WARM} to warm up")
        say(f"{'':28}" + "".join(f"{label:>16}" for label in checkouts) + ("    change" if BEFORE else ""))
        for label, path in targets:
            per = {}
            for name, checkout in checkouts.items():
                per[name] = instructions(checkout, env, path, MANY, var_dir) / MANY
            change = f"{per['now'] / per['before'] - 1:+10.1%}" if BEFORE else ""
            say(f"{label:28}" + "".join(f"{value / 1e6:>14.2f} M" for value in per.values()) + change)
    else:
        from measuring import Measurer

        script = Path(__file__).resolve()
        measurers = {name: Measurer(script, "--forever", checkout, env) for name, checkout in checkouts.items()}
        try:
            for label, path in targets:
                if MODE == "profile":
                    for name, measurer in measurers.items():
                        say(f"== {name}: {label}\n{measurer.ask('profile', path, PER_ROUND * 5)}")
                    continue
                runs: dict[str, list[float]] = {name: [] for name in measurers}
                for measurer in measurers.values():
                    measurer.ask("cpu", path, WARM)
                for _ in range(ROUNDS):
                    for name, measurer in measurers.items():
                        runs[name].append(measurer.ask("cpu", path, PER_ROUND))
                say(f"{label:28}" + "".join(f"{name} {statistics.median(runs[name]):6.2f} ms  " for name in runs))
        finally:
            for measurer in measurers.values():
                measurer.close()
    say(f"load average at the end: {' '.join(f'{value:.2f}' for value in os.getloadavg())}")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--once":
        measure_once(Path(sys.argv[2]).resolve(), sys.argv[3], int(sys.argv[4]))
    elif len(sys.argv) == 3 and sys.argv[1] == "--forever":
        measure_forever(Path(sys.argv[2]).resolve())
    else:
        main()
