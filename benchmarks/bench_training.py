"""Training engine speed against a reference loop written the common way.

    python benchmarks/bench_training.py [--device auto|cpu|cuda|mps] [--samples N] [--repeats N]
                                        [--threads N] [--net NAME] [--data DIR] [--full]

The reference is what most tutorials write: a torch `Dataset` whose `__getitem__` returns one
normalized float tensor per image, a `DataLoader` (batch 128, shuffled, no worker processes), each
batch moved to the device, and `loss.item()` / `.sum().item()` read every step. The engine keeps the
whole dataset on the device as uint8, gathers batches by index, normalizes on the device and reads
numbers back only at reporting points. Same net, seed, optimizer, loss, device and thread count;
both are timed over training steps only (evaluation excluded), after a warm-up, alternating
engine/reference runs and keeping each one's best. The printed ratio is engine ÷ reference
samples per second; the targets are ≥ 1× on a CPU and ≥ 5× on a GPU.

It also times, after each engine run, the engine's evaluation pass over the training split (eval
mode, torch.inference_mode, batches of EVAL_BATCH, channels_last on a CPU, one read-back) and
prints its best throughput as a ratio to the engine's best training throughput (target ≥ 2.5×),
and against the same pass in the default NCHW layout, alternated with it (the gain of
channels_last).

--full runs the course's complete setup once (mnist-net1, 8 epochs, 50,000/10,000/10,000) with the
engine and prints its final accuracies and time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from visualizer.core.errors import UserInputError
from visualizer.core.mnist import MnistSplits, load_mnist
from visualizer.core.devices import pick_device
from visualizer.core.training import MNIST_MEAN, MNIST_STD, Callback, TrainConfig, Trainer, build_model

REPO = Path(__file__).resolve().parent.parent


def get_data(data_dir: str | None, n: int, full: bool = False) -> tuple[MnistSplits, str]:
    """Real MNIST when it can be found (also ../shared/data/mnist beside the checkout); otherwise
    random digits of the same shape (speed does not depend on what the pixels show)."""
    sizes = (50_000, 10_000, 10_000) if full else (min(n, 50_000), 1_000, 1_000)
    for candidate in (data_dir, None, REPO.parent / "shared" / "data" / "mnist"):
        try:
            return load_mnist(candidate, *sizes, seed=0), "MNIST"
        except UserInputError:
            continue
    if full:
        sys.exit("--full needs the real MNIST files (--data DIR)")
    rng = np.random.default_rng(0)

    def split(k):
        return rng.integers(0, 256, (k, 28, 28), dtype=np.uint8), rng.integers(0, 10, k)

    return MnistSplits(*split(sizes[0]), *split(sizes[1]), *split(sizes[2])), "random digits (MNIST not found)"


class DigitsDataset(torch.utils.data.Dataset):
    """The common way: one normalized (1, 28, 28) float tensor per __getitem__."""

    def __init__(self, images: np.ndarray, labels: np.ndarray):
        self.images = images
        self.labels = labels

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i):
        x = torch.from_numpy(self.images[i]).float().div(255.0)
        x = (x - MNIST_MEAN) / MNIST_STD
        return x.unsqueeze(0), int(self.labels[i])


def reference_samples_per_second(data: MnistSplits, net: str, device: torch.device, seed: int = 0) -> float:
    torch.manual_seed(seed)
    model = build_model(net).to(device)
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.5)
    loader = torch.utils.data.DataLoader(DigitsDataset(data.train_images, data.train_labels), batch_size=128,
                                         shuffle=True, num_workers=0)
    loss_fn = torch.nn.CrossEntropyLoss()
    seen = correct = 0
    running = 0.0
    start = time.perf_counter()
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        opt.zero_grad()
        out = model(x)
        loss = loss_fn(out, y)
        loss.backward()
        opt.step()
        running += loss.item() * y.shape[0]
        correct += (out.argmax(1) == y).sum().item()
        seen += y.shape[0]
    return seen / (time.perf_counter() - start)


def engine_samples_per_second(data: MnistSplits, net: str, device: str, threads: int,
                              with_eval: bool = False, passes: int = 3):
    """Training samples/s of one engine run; with_eval: (training samples/s, evaluation samples/s,
    evaluation samples/s in the default NCHW layout) where the last two time the engine's
    evaluation pass over the training split (eval mode, `_evaluate`) right after the run, with the
    trained weights, as the run's final pass does: `passes` times each, the two layouts alternated,
    the best of each kept."""
    import visualizer.core.training.trainer as training  # where _evaluate reads EVAL_CHANNELS_LAST

    n = len(data.train_labels)
    cfg = TrainConfig(net=net, epochs=1, train_size=n, val_size=len(data.val_labels),
                      test_size=len(data.test_labels), device=device, report_every=1280, num_threads=threads)
    trainer = Trainer(cfg, data)
    result = trainer.run()
    train_sps = result.final["samples_per_second"]
    if not with_eval:
        return train_sps
    old, layout = torch.get_num_threads(), training.EVAL_CHANNELS_LAST
    torch.set_num_threads(threads)
    best = {True: 0.0, False: 0.0}
    try:
        for _ in range(passes):
            for nhwc in (True, False):
                training.EVAL_CHANNELS_LAST = nhwc
                trainer._sync()
                t0 = time.perf_counter()
                trainer._evaluate(trainer._train_x, trainer._train_y)
                trainer._sync()
                best[nhwc] = max(best[nhwc], n / (time.perf_counter() - t0))
    finally:
        torch.set_num_threads(old)
        training.EVAL_CHANNELS_LAST = layout
    return train_sps, best[layout], best[False]


def subset(data: MnistSplits, n: int) -> MnistSplits:
    return MnistSplits(data.train_images[:n], data.train_labels[:n], data.val_images, data.val_labels,
                       data.test_images, data.test_labels)


class _EpochLine(Callback):
    def on_epoch_end(self, trainer, record):
        print(f"  epoch {record['epoch']}: train acc {record['train_accuracy']:.4f}  "
              f"val acc {record['val_accuracy']:.4f}  ({record['elapsed_s']:.0f} s)", flush=True)


def full_run(args, device: str) -> None:
    data, source = get_data(args.data, 50_000, full=True)
    cfg = TrainConfig(device=device, num_threads=args.threads)
    print(f"full course run: {cfg.net}, {cfg.epochs} epochs, batch {cfg.batch_size}, lr {cfg.lr}, "
          f"sgdm {cfg.momentum}, 50,000/10,000/10,000 on {device} ({source})", flush=True)
    t0 = time.perf_counter()
    result = Trainer(cfg, data, [_EpochLine()]).run()
    total = time.perf_counter() - t0
    f = result.final
    print(f"  final: train {f['train_accuracy']:.4f}  val {f['val_accuracy']:.4f}  test {f['test_accuracy']:.4f}  "
          f"status {f['status']}")
    print(f"  time: {total:.1f} s in all, of which {f['train_time_s']:.1f} s training steps and the rest "
          f"evaluation (validation every epoch, final train/validation/test); "
          f"{f['samples_per_second']:,.0f} samples/s on {f['device']}")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda", "mps"))
    p.add_argument("--samples", type=int, default=None,
                   help="training images per timed run (default: 6,400 on a CPU, 25,600 on a GPU)")
    p.add_argument("--repeats", type=int, default=2, help="timed runs of each, best kept (default 2)")
    p.add_argument("--threads", type=int, default=0, help="torch CPU threads for both (default: torch's)")
    p.add_argument("--net", default="mnist-net1")
    p.add_argument("--data", default=None, help="MNIST folder (default: the usual places)")
    p.add_argument("--full", action="store_true", help="also one full 8-epoch mnist-net1 run")
    args = p.parse_args(argv)

    dev = pick_device(args.device)
    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()
    device = str(dev) if dev.type != "cuda" else f"cuda:{dev.index or 0}"
    n = args.samples or (6_400 if dev.type == "cpu" else 25_600)
    data, source = get_data(args.data, n)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else dev.type
    print(f"device {device} ({name}), {threads} CPU thread(s), torch {torch.__version__}, net {args.net}, "
          f"batch 128, {n:,} training images per run ({source})", flush=True)

    # Warm-up: first-call costs (kernel selection, lazy imports) belong to neither side.
    small = subset(data, min(n, 1280))
    engine_samples_per_second(small, args.net, device, threads)
    reference_samples_per_second(small, args.net, dev)

    eng, ref, ev, ev_sps, nchw_sps = [], [], [], [], []
    for r in range(args.repeats):
        train_sps, eval_sps, nchw = engine_samples_per_second(data, args.net, device, threads, with_eval=True)
        eng.append(train_sps)
        ev.append(eval_sps / train_sps)
        ev_sps.append(eval_sps)
        nchw_sps.append(nchw)
        ref.append(reference_samples_per_second(data, args.net, dev))
        print(f"  run {r + 1}: engine {eng[-1]:,.0f} samples/s, reference {ref[-1]:,.0f} samples/s; "
              f"engine evaluation {eval_sps:,.0f} samples/s ({ev[-1]:.2f}x its training; "
              f"{nchw:,.0f} in the default layout)", flush=True)
    e, rr = max(eng), max(ref)
    ratio = e / rr
    target = 1.0 if dev.type == "cpu" else 5.0
    verdict = "meets" if ratio >= target else "BELOW"
    print(f"engine {e:,.0f} samples/s vs reference {rr:,.0f} samples/s: ratio {ratio:.2f}x "
          f"({verdict} the {target:g}x target for {dev.type})")
    # Evaluation (forward only, eval mode, inference_mode, batches of EVAL_BATCH, channels_last on
    # a CPU) against the engine's own training throughput: best against best, as above (the
    # median of the runs' own ratios beside it). The default layout is the in-run baseline of
    # channels_last.
    ev_best = max(ev_sps) / e
    ev_target = 2.5
    print(f"evaluation vs training throughput: {ev_best:.2f}x best vs best "
          f"({statistics.median(ev):.2f}x median of {len(ev)} runs' ratios; "
          f"{'meets' if ev_best >= ev_target else 'BELOW'} the {ev_target:g}x target)")
    print(f"evaluation layout: {max(ev_sps):,.0f} samples/s as the engine evaluates vs {max(nchw_sps):,.0f} "
          f"in the default NCHW layout: {max(ev_sps) / max(nchw_sps):.2f}x")
    if args.full:
        full_run(args, device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
