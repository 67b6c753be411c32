"""`convviz sweep`: a grid of `convviz train` runs × seeds, on this machine or a Ray cluster.

    convviz sweep --lr 0.1,0.03,0.01 --loss ce,l2 --seeds 3 --epochs 8 --out sweeps/lr
                  [--backend local|ray] [--workers N] [--threads-per-run N] [--threads N]
                  [--ray-address auto|ADDR] [--gpus-per-run F] [--yes]
    convviz sweep --experiment overfitting [--seeds N] [--train-size N …] --out sweeps/overfit

Every option of `convviz train` is accepted (built from train's own parser function, so an
option added there is here too), and every one that takes a value may take a comma list: the grid
is the product of the lists, times the seeds (--seeds N: 0…N−1; --seed-list 0,4,7). Each value is
checked as `convviz train` checks it, with the same message.

--out gets one ordinary run folder per run (named by the swept settings and the seed, e.g.
lr0.1_loss-ce_seed0), sweep.json and sweep.csv (see visualizer.core.sweep). Running the same
command again skips the completed runs and reruns the others. Ctrl+C (SIGTERM, SIGHUP) stops the
running runs after their batch (saved with status "stopped"); a second one quits at once.

--experiment NAME runs one of the course's experiments (visualizer.core.experiments: learning-rates,
loss-functions, architectures, overfitting, batch-norm) as the Training tab's "Run all" does: its runs
and its own settings, train's defaults for the rest; an option given on the command line (one value
each) wins over the experiment's own setting, except the one the experiment varies. batch-norm's
runs also write distributions.jsonl (every 500 examples), as `convviz train --distributions 500`.

Exit status: 0 every run completed; 2 bad input (one line); 3 a run diverged or failed (every
file still written); 128 + N stopped by signal N.
"""

from __future__ import annotations

import argparse
import itertools
import math
import sys
import threading
from pathlib import Path

from visualizer.commands import command_parser
from visualizer.commands import stop_signals
from visualizer.commands import train as train_cmd
from visualizer.core.errors import UserInputError
from visualizer.core.parsing import number_arg, whole_number_arg
from visualizer.core.experiments import EXPERIMENTS, cli_name

EXIT_RUN_FAILED = 3
#: Options of `train` that stay single: where files go, and switches.
_NOT_LISTS = {"help", "out", "overwrite", "download", "quiet", "data"}
#: Even with --yes: a grid this large is a typo (and its plan alone would fill the memory).
MAX_RUNS = 100_000


class _ListOf:
    """argparse type: a comma list, each item converted and checked as train converts and checks it."""

    def __init__(self, convert, choices):
        self.convert = convert
        self.choices = list(choices) if choices is not None else None
        self.__name__ = getattr(convert, "__name__", "value")

    def __call__(self, text: str) -> list:
        from visualizer.core.sweep import split_list

        try:
            items = split_list(text, "the list")
        except UserInputError as exc:
            raise argparse.ArgumentTypeError(str(exc).replace("the list ", "", 1)) from None
        values = [self.convert(t) if self.convert is not None else t for t in items]
        if self.choices is not None:
            for v in values:
                if v not in self.choices:
                    # argparse's own words, as `convviz train` prints them
                    raise argparse.ArgumentTypeError(
                        f"invalid choice: {v!r} (choose from {', '.join(map(repr, self.choices))})")
        return values


class _Default(list):
    """An option's default as a list of one: told apart from a value given on the command line
    (--experiment's options win over the experiment's settings only when given), shown as the value."""

    def __str__(self) -> str:
        return str(self[0]) if len(self) == 1 else super().__str__()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = command_parser(
        subparsers, "sweep",
        description="Run a grid of training runs: every option of `convviz train` may take a comma\n"
        "list, and the grid is the product of the lists times the seeds. Each run is an ordinary\n"
        "run folder under --out; sweep.json and sweep.csv sum them up. Running the same command\n"
        "again skips the completed runs.",
        epilog="examples:\n"
        "  convviz sweep --lr 0.1,0.03,0.01,0.003,0.001 --loss ce,l2 --seeds 3 --out sweeps/lr\n"
        "  convviz sweep --net mnist-net1,mnist-net2 --seed-list 0,4,7 --epochs 2 --out sweeps/nets\n"
        "  convviz sweep --lr 0.1,0.01 --seeds 5 --backend ray --ray-address auto --gpus-per-run 0.25 --out sweeps/c\n"
        "  convviz sweep --experiment overfitting --out sweeps/overfit\n"
        "Ctrl+C (or SIGTERM, SIGHUP) stops the running runs after their batch (status \"stopped\");\n"
        "a second one quits at once. Run the same command again to finish the sweep.\n"
        "exit status: 0 every run completed; 2 bad input; 3 a run diverged or failed; 128+N stopped by signal N.")
    train_cmd.add_train_options(p)
    for action in p._actions:
        if action.dest in _NOT_LISTS or action.nargs == 0 or not action.option_strings:
            continue
        action.type = _ListOf(action.type, action.choices)
        if action.default is not None:
            action.default = _Default([action.default])
        if action.choices is not None and action.metavar is None:
            action.metavar = "{" + ",".join(map(str, action.choices)) + "}[,…]"
        elif action.metavar:
            action.metavar = f"{action.metavar}[,…]"
        action.choices = None
    for action in p._actions:
        if action.dest == "out":
            action.help = "the sweep's folder: new, empty, or this sweep's (to resume it)"
        elif action.dest == "overwrite":
            action.help = "not for sweeps: running the same sweep again resumes it (delete a run's folder to redo it)"
    g = p.add_argument_group("sweep")
    g.add_argument("--seeds", type=whole_number_arg, metavar="N", help="run seeds 0…N−1 of every setting")
    g.add_argument("--seed-list", type=_ListOf(whole_number_arg, None), metavar="N[,…]",
                   help="the seeds to run, e.g. 0,4,7")
    g.add_argument("--backend", choices=("local", "ray"), default="local",
                   help="local: worker processes on this machine; ray: Ray Tune trials, on a local Ray "
                   "instance or the cluster of --ray-address (default: %(default)s)")
    g.add_argument("--workers", type=whole_number_arg, metavar="N",
                   help="runs at once (default: one per GPU, or CPU cores ÷ threads per run)")
    g.add_argument("--threads-per-run", type=whole_number_arg, metavar="N",
                   help="torch CPU threads of each run (default: 1, or cores ÷ --workers)")
    g.add_argument("--threads", type=train_cmd.threads_arg, metavar="N", dest="sweep_threads",
                   help="CPU threads of the whole local sweep, workers × threads per run (default: the "
                   "cores free when it starts: see the README's \"Threads\")")
    g.add_argument("--ray-address", metavar="auto|ADDR",
                   help="join a running Ray cluster (auto: the one started on this machine by `ray start`); "
                   "without it a local Ray instance starts")
    g.add_argument("--gpus-per-run", type=number_arg, metavar="F",
                   help="GPUs each Ray trial reserves: 0.25 packs four runs on a GPU (default: 0)")
    g.add_argument("--yes", action="store_true", help="run a grid of more than 1,000 runs")
    g.add_argument("--experiment", metavar="NAME",
                   help="run a course experiment: " + ", ".join(cli_name(n) for n in EXPERIMENTS) +
                   " (its own settings; an option given here, one value each, wins over them)")
    p.set_defaults(func=run)


# ---------------------------------------------------------------------------------------------

def _lists(args: argparse.Namespace) -> dict[str, list]:
    """Every listable option's values (a single value as a list of one), in the parser's order."""
    out = {}
    for dest, value in vars(args).items():
        if dest in _NOT_LISTS or dest in _SWEEP_OPTIONS or dest in ("func", "command"):
            continue
        if isinstance(value, bool):  # a switch another option of train may add
            continue
        out[dest] = list(value) if isinstance(value, list) else [value]
    return out


_SWEEP_OPTIONS = {"seeds", "seed_list", "backend", "workers", "threads_per_run", "ray_address", "gpus_per_run", "yes",
                  "experiment"}


def _seeds(args: argparse.Namespace, lists: dict[str, list]) -> list[int]:
    if args.seeds is not None and args.seed_list is not None:
        raise UserInputError("give --seeds N or --seed-list, not both")
    if args.seed_list is not None:
        seeds = list(args.seed_list)
    elif args.seeds is not None:
        if not 1 <= args.seeds <= MAX_RUNS:
            raise UserInputError(f"--seeds must be between 1 and {MAX_RUNS:,}, got {args.seeds:,}")
        seeds = list(range(args.seeds))
    else:
        seeds = lists.get("seed", [0])
    from visualizer.core.sweep import check_no_duplicates

    check_no_duplicates(seeds, "--seed-list" if args.seed_list is not None else "--seed")
    return seeds


def _check_sweep_options(args: argparse.Namespace) -> None:
    if args.overwrite:
        raise UserInputError("--overwrite is not for sweeps: running the same sweep again resumes it "
                             "(delete a run's folder to redo that run)")
    for what in ("workers", "threads_per_run"):
        v = getattr(args, what)
        if v is not None and not 1 <= v <= 4096:
            raise UserInputError(f"--{what.replace('_', '-')} must be between 1 and 4,096, got {v:,}")
    if args.backend != "ray":
        if args.ray_address is not None:
            raise UserInputError("--ray-address is for --backend ray")
        if args.gpus_per_run is not None:
            raise UserInputError("--gpus-per-run is for --backend ray (the local backend gives each GPU one worker)")
    elif args.sweep_threads is not None:
        raise UserInputError("--threads is for --backend local (Ray gives each trial --threads-per-run CPUs)")
    f = args.gpus_per_run
    if f is not None and (not math.isfinite(f) or f < 0 or (f > 1 and f != int(f)) or f > 64):
        raise UserInputError(f"--gpus-per-run must be 0, a fraction of one GPU (e.g. 0.25) or a whole number "
                             f"of GPUs up to 64, got {f:g}")


def build_plan(args: argparse.Namespace):
    """The sweep's plan: every grid point × seed, each checked as `convviz train` checks it."""
    from visualizer.core.sweep import MAX_RUNS_WITHOUT_YES, check_no_duplicates, grid_size, make_plan

    lists = _lists(args)
    seeds = _seeds(args, lists)
    lists.pop("seed", None)
    if getattr(args, "experiment", None) is not None:
        return _experiment_plan(args, lists, seeds)
    for dest, values in lists.items():
        check_no_duplicates(values, "--" + dest.replace("_", "-"))
    n = grid_size(lists.values(), len(seeds))
    if n > MAX_RUNS:
        raise UserInputError(f"the grid has {n:,} runs; a sweep may have at most {MAX_RUNS:,}")
    if n > MAX_RUNS_WITHOUT_YES and not args.yes:
        raise UserInputError(f"the grid has {n:,} runs (more than {MAX_RUNS_WITHOUT_YES:,}); add --yes to run them all")
    swept = {k: v for k, v in lists.items() if len(v) > 1}
    fixed = {k: v[0] for k, v in lists.items() if len(v) == 1}
    keys = list(lists)
    points = []
    for combo in itertools.product(*(lists[k] for k in keys)):
        for seed in seeds:
            ns = argparse.Namespace(**vars(args))
            for k, v in zip(keys, combo):
                setattr(ns, k, v)
            ns.seed = seed
            cfg = train_cmd.build_config(ns)  # train's checks, train's messages
            settings = {k: v for k, v in zip(keys, combo) if k in swept}
            points.append((settings, seed, cfg.to_dict()))
    return make_plan(points, swept, fixed, seeds)


def _experiment_plan(args: argparse.Namespace, lists: dict[str, list], seeds: list[int]):
    """--experiment NAME: the experiment's runs × seeds (core.experiments makes the plan, as for the
    Training tab's "with 3 seeds"). Options given on the command line arrive as lists (argparse
    keeps the defaults as _Default): those win over the experiment's own settings."""
    from visualizer.core.experiments import experiment_sweep_plan, from_cli_name

    name = from_cli_name(args.experiment)
    given = [k for k in lists if not isinstance(getattr(args, k), _Default)]
    varied = EXPERIMENTS[name][0]
    for k in given:
        option = "--" + k.replace("_", "-")
        if k == varied:
            raise UserInputError(f"{option} is what --experiment {args.experiment} varies; leave it out")
        if len(lists[k]) != 1:
            raise UserInputError(f"{option} takes one value with --experiment (the experiment chooses what varies)")
    ns = argparse.Namespace(**vars(args))
    for k, v in lists.items():
        setattr(ns, k, v[0])
    ns.seed = seeds[0]
    base = train_cmd.build_config(ns).to_dict()  # train's checks, train's messages
    return experiment_sweep_plan(name, base, seeds, keep=tuple(given))


def _distributions(args: argparse.Namespace) -> int | None:
    """An experiment that records distributions (batch-norm) records them in every run of its sweep."""
    from visualizer.core.experiments import distributions_every, from_cli_name

    experiment = getattr(args, "experiment", None)
    return distributions_every(from_cli_name(experiment)) if experiment else None


def _check_data(args: argparse.Namespace) -> None:
    """MNIST must be there before any worker starts (or be fetched first with --download)."""
    from visualizer.core.mnist import MnistNotFound, locate_mnist

    try:
        locate_mnist(args.data or None)
    except MnistNotFound as exc:
        train_cmd.fetch_mnist(exc, args.data, args.download, args.quiet)


def run(args: argparse.Namespace) -> int:
    from visualizer.core import sweep as core

    _check_sweep_options(args)
    plan = build_plan(args)
    out = Path(args.out).expanduser()
    core.check_out(out)
    backend = None
    if args.backend == "ray":
        from visualizer.core import sweep_ray

        backend = sweep_ray.RayBackend(args.ray_address, args.gpus_per_run or 0.0, args.workers,
                                       args.threads_per_run)
        backend.check()  # ray installed, the address reachable: before anything is written
    try:
        return _locked_run(args, plan, out, backend)
    finally:
        if backend is not None:
            backend.shutdown()  # a Ray instance this command started (none when it joined one)


def _locked_run(args: argparse.Namespace, plan, out: Path, backend) -> int:
    from visualizer.core import sweep as core
    from visualizer.core.run_lock import RunFolderBusy

    _check_data(args)
    stop = threading.Event()
    state = {"signum": None}

    def on_signal(signum, frame):
        if state["signum"] is not None:
            raise stop_signals.QuitNow(signum)
        state["signum"] = signum
        stop.set()
        stop_signals.say_line(f"{stop_signals.signal_name(signum)}: stopping the running runs after their batch "
                              f"({stop_signals.second_signal_words(signum)} quits at once); run the same "
                              f"command again to resume")

    def work(lock) -> int:
        try:
            lock.acquire()
        except RunFolderBusy:
            raise UserInputError(f"--out {out} is in use by another sweep or run; wait for it to end or "
                                 f"choose another folder") from None
        core.resume_state(plan, out)
        return _run_sweep(args, plan, out, backend, stop, state)

    return stop_signals.run_in_folder(out, on_signal, work)


def _run_sweep(args, plan, out: Path, backend, stop: threading.Event, state: dict) -> int:
    from visualizer.core import sweep as core

    devices = {r.config.get("device", "auto") for r in plan.runs}
    if backend is None:
        workers, threads, gpus = core.default_workers(devices, args.threads_per_run)
        if not gpus:  # the CPU threads in all: --threads, else the cores free now (core.threads)
            from visualizer.core.threads import free_core_count

            budget = args.sweep_threads or free_core_count()
            workers = max(1, budget // threads)
        if args.workers:
            workers = args.workers
            if not args.threads_per_run and not gpus:
                threads = max(1, budget // workers)
        name, shown_workers = "local", workers
    else:
        threads = args.threads_per_run or 1
        name, shown_workers = "ray", args.workers
    tasks = core.tasks_for(plan, out, threads, _distributions(args))
    progress = core.SweepProgress(plan, sys.stderr, quiet=args.quiet)
    core.write_sweep_files(plan, out, name, shown_workers)
    done_before = len(plan.runs) - len(tasks)
    if tasks:
        where = (f"{min(shown_workers, len(tasks))} worker(s) × {threads} thread(s)" if backend is None
                 else backend.describe(threads))
        again = f" ({done_before} already completed, skipped)" if done_before else ""
        progress._say(f"sweep: {len(plan.runs)} runs{again}, {len(tasks)} to run on the {name} backend, "
                      f"{where} -> {out}")

        def on_start(run_name: str) -> None:
            progress.started(run_name)

        def on_done(outcome: dict) -> None:
            r = core.apply_outcome(plan, outcome)
            if r is None:
                return
            try:
                core.write_sweep_files(plan, out, name, shown_workers)
            finally:
                progress.finished(r.name, r.status, r.reason)

        if backend is None:
            core.run_local(tasks, shown_workers, threads, gpus, on_start, on_done, stop)
        else:
            backend.run(tasks, threads, on_start, on_done, stop)
    core.write_sweep_files(plan, out, name, shown_workers)
    counts = {s: sum(1 for r in plan.runs if r.status == s) for s in core.STATUSES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
    print(f"sweep {out.name}: {len(plan.runs)} runs: {summary}; {progress.best()} -> {out / 'sweep.csv'}")
    if state["signum"] is not None:
        return 128 + int(state["signum"])
    if counts["diverged"] or counts["failed"]:
        bad = [r for r in plan.runs if r.status in ("diverged", "failed")]
        stop_signals.say_line(f"convviz: {len(bad)} run(s) diverged or failed, e.g. {bad[0].name}: "
                              f"{bad[0].reason or bad[0].status}")
        return EXIT_RUN_FAILED
    return 0
