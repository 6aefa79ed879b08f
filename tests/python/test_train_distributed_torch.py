"""medimg networks under torch.nn.parallel.DistributedDataParallel (Gloo, 2 processes on
loopback): the ranks keep identical parameters, equal to one process that trains on the
same global batch."""

import os
import socket

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import medimg

STEPS = 3
GLOBAL_BATCH = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_network() -> torch.nn.Module:
    # Instance norm: batch norm's statistics would differ between one rank's half batch and
    # the global batch, and so would the results.
    torch.manual_seed(0)
    return medimg.nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8),
                          norm="instance")


def global_batches():
    g = torch.Generator().manual_seed(1)
    images = torch.randn(STEPS, GLOBAL_BATCH, 1, 16, 16, generator=g)
    labels = (images[:, :, 0] > 0.3).long()
    return images, labels


def train(network, images, labels, ddp_rank=None, world=1):
    optimizer = torch.optim.SGD(network.parameters(), lr=0.1, momentum=0.9)
    for step in range(STEPS):
        x, y = images[step], labels[step]
        if ddp_rank is not None:
            share = GLOBAL_BATCH // world
            x, y = x[ddp_rank * share:(ddp_rank + 1) * share], y[ddp_rank * share:(ddp_rank + 1) * share]
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(network(x), y)
        loss.backward()
        optimizer.step()


def ddp_worker(rank, world, port, out_dir):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=rank, world_size=world)
    try:
        network = make_network()
        model = torch.nn.parallel.DistributedDataParallel(network)
        images, labels = global_batches()
        train(model, images, labels, ddp_rank=rank, world=world)
        torch.save({k: v.detach().clone() for k, v in network.state_dict().items()},
                   os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_ddp_ranks_agree_with_single_process(tmp_path):
    world = 2
    mp.start_processes(ddp_worker, args=(world, free_port(), str(tmp_path)), nprocs=world,
                       join=True, start_method="spawn")
    rank0 = torch.load(tmp_path / "rank0.pt")
    rank1 = torch.load(tmp_path / "rank1.pt")

    network = make_network()
    initial = {k: v.clone() for k, v in network.state_dict().items()}
    images, labels = global_batches()
    train(network, images, labels)
    single = network.state_dict()

    moved = 0.0
    for name, value in single.items():
        assert torch.equal(rank0[name], rank1[name]), name
        torch.testing.assert_close(rank0[name], value, atol=1e-5, rtol=0)
        moved = max(moved, (value - initial[name]).abs().max().item())
    assert moved > 1e-3  # the parameters really trained
