"""Algorithm 1 of Ioffe & Szegedy (2015) written out with one batch's numbers, channel by channel
(`convviz bn --format text`; the words a batch-norm view shows). Numbers have 4 significant digits
(`convolution.format_number`); the JSON output has them all."""

from __future__ import annotations

from visualizer.core.batchnorm import BatchNormStats, ChannelStats
from visualizer.core.convolution import format_number

DIGITS = 4


def num(v: float) -> str:
    """4 significant digits, a real minus; a float's last-bit noise around 0 (|v| < 1e-9) is 0."""
    return format_number(0.0 if abs(v) < 1e-9 else v, DIGITS)


def signed(v: float) -> str:
    """"+ 0.5" or "− 0.5", for a term after another."""
    return f"− {num(-v)}" if v < 0 else f"+ {num(v)}"


def header(stats: BatchNormStats, source: str = "") -> list[str]:
    n, m = stats.size, stats.values_per_channel
    hw = m // n
    k = stats.update_weight
    if stats.momentum is None:
        rule = (f"momentum None: a cumulative average, this batch weighs 1/(batches seen + 1) = "
                f"1/{stats.batches_tracked + 1}")
    else:
        rule = f"momentum = {num(stats.momentum)}, PyTorch's convention: the weight of the new batch"
    return [
        f"Batch normalisation of {stats.layer} (BatchNorm2d, {len(stats.channels)} channels)"
        + (f" in {source}" if source else ""),
        f"Mini-batch: MNIST {stats.split} images {stats.start:,} to {stats.start + n - 1:,} (N = {n}); "
        f"each channel takes m = N·H·W = {n}·{hw:,} = {m:,} values x_1 … x_m.",
        f"The layers before {stats.layer} ran in evaluation mode; {stats.layer} runs in training mode on this batch "
        f"(the net is not changed).",
        f"ε = {format_number(stats.eps)}; {rule}:",
        f"  running ← (1 − {num(k)})·running + {num(k)}·statistic, where the variance that goes in is the "
        f"unbiased σ²_B·m/(m − 1) = σ²_B·{m:,}/{m - 1:,}.",
    ]


def channel_lines(ch: ChannelStats, stats: BatchNormStats) -> list[str]:
    eps = stats.eps
    k = stats.update_weight
    sd = (ch.batch_var + eps) ** 0.5
    shift = f"(x_i {signed(-ch.batch_mean)})"
    eval_sd = (ch.running_var + eps) ** 0.5
    return [
        f"Channel {ch.channel}  (learned scale γ = {num(ch.gamma)}, shift β = {num(ch.beta)})",
        f"  1. mini-batch mean      μ_B  = (1/m) Σ x_i = {num(ch.batch_mean)}",
        f"  2. mini-batch variance  σ²_B = (1/m) Σ (x_i − μ_B)² = {num(ch.batch_var)}",
        f"  3. normalise            x̂_i  = (x_i − μ_B) / √(σ²_B + ε) = {shift} / √({num(ch.batch_var)} + "
        f"{format_number(eps)}) = {shift} / {num(sd)}",
        f"                          x̂ has mean {num(ch.xhat_mean)} and variance {num(ch.xhat_var)} "
        f"(σ²_B/(σ²_B + ε): 1 but for ε)",
        f"  4. scale and shift      y_i  = γ·x̂_i + β = {num(ch.gamma)}·x̂_i {signed(ch.beta)};  "
        f"y has mean {num(ch.output_mean)} (= β) and variance {num(ch.output_var)} (= γ²·{num(ch.xhat_var)})",
        f"  running mean  {num(ch.running_mean)} → {num(1 - k)}·{num(ch.running_mean)} {signed(k * ch.batch_mean)} "
        f"= {num(ch.running_mean_after)}   ({num(k)}·μ_B)",
        f"  running var   {num(ch.running_var)} → {num(1 - k)}·{num(ch.running_var)} "
        f"{signed(k * ch.batch_var_unbiased)} = {num(ch.running_var_after)}   ({num(k)}·unbiased "
        f"{num(ch.batch_var_unbiased)})",
        f"  evaluation mode, same batch: y = {num(ch.gamma)}·(x {signed(-ch.running_mean)}) / {num(eval_sd)} {signed(ch.beta)} "
        f"(running statistics before this batch): mean {num(ch.eval_output_mean)}, variance "
        f"{num(ch.eval_output_var)}",
    ]


def algorithm_text(stats: BatchNormStats, source: str = "") -> str:
    lines = header(stats, source)
    for ch in stats.channels:
        lines.append("")
        lines.extend(channel_lines(ch, stats))
    return "\n".join(lines)
