"""Network A's training step and encoder inference in PyTorch, timed.

Run by bench/compare.ts with Debian's python3 and python3-torch; the caller
sets MALLOC_MMAP_THRESHOLD_ and MALLOC_TRIM_THRESHOLD_ in the environment,
because glibc must read them at start-up. Prints one JSON object.
"""

import argparse
import json
import statistics
import time

import torch
from torch import nn


def conv(in_channels, out_channels):
    layer = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
    # Keras' defaults, as in seiscluster: Glorot-uniform kernels (the same
    # fans as Keras for a convolution), zero biases.
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def network_a():
    """Encoder and decoder of METHOD.md's network A; every size halves exactly, so 'same' pooling is plain pooling."""
    encoder = nn.Sequential(
        conv(1, 4), nn.Tanh(), nn.MaxPool2d(2),
        conv(4, 2), nn.Tanh(), nn.MaxPool2d(2),
        conv(2, 1), nn.Tanh(), nn.MaxPool2d(2),
    )
    decoder = nn.Sequential(
        conv(1, 1), nn.Tanh(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(1, 2), nn.Tanh(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(2, 4), nn.Tanh(), nn.Upsample(scale_factor=2, mode="nearest"),
        conv(4, 1),
    )
    return encoder, decoder


def timed(fn, seconds, min_iterations=3):
    """timing.ts's scheme: warm up for a fifth of the budget (at least once), then time for the budget and at least three runs."""
    warmup_end = time.perf_counter() + seconds / 5
    fn()
    while time.perf_counter() < warmup_end:
        fn()
    samples = []
    end = time.perf_counter() + seconds
    while len(samples) < min_iterations or time.perf_counter() < end:
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1e3)
    return {"medianMs": statistics.median(samples), "iterations": len(samples)}


def with_rate(timing, batch):
    return {**timing, "batch": batch, "recordsPerSecond": batch / (timing["medianMs"] / 1e3)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--inference-batch", type=int, default=1024)
    parser.add_argument("--seconds", type=float, default=3.0, help="timed seconds per measurement")
    args = parser.parse_args()

    # The comparison's fixed tuning, so runs compare: PyTorch's own convolutions, not oneDNN's.
    torch.backends.mkldnn.enabled = False
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    encoder, decoder = network_a()
    parameters = [*encoder.parameters(), *decoder.parameters()]
    optimizer = torch.optim.Adam(parameters, lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    x = torch.rand(args.batch, 1, 16, 48)

    def training_step():
        optimizer.zero_grad(set_to_none=True)
        loss = nn.functional.mse_loss(decoder(encoder(x)), x)
        loss.backward()
        optimizer.step()

    records = torch.rand(args.inference_batch, 1, 16, 48)

    def encode():
        with torch.no_grad():
            encoder(records).flatten(1)

    print(json.dumps({
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "training": with_rate(timed(training_step, args.seconds), args.batch),
        "inference": with_rate(timed(encode, args.seconds), args.inference_batch),
    }))


if __name__ == "__main__":
    main()
