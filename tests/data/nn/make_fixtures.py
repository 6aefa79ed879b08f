"""Writes the fixtures of the medimg.nn tests (run once; the outputs are committed).

    PYTHONPATH=build/python /usr/bin/python3 tests/data/nn/make_fixtures.py

- liver_slices.npz: eight axial CT slices with their liver masks, cut from TotalSegmentator's
  example CT (../shared/data/totalsegmentator_examples, Apache-2.0; the masks are the
  "total" model's output, label 5 = liver), resampled from 122 x 101 (3 mm) to 64 x 64:
  `ct` (8, 1, 64, 64) int16 HU (linear, anti-aliased), `liver` (8, 1, 64, 64) uint8
  (linear interpolation of the mask, > 0.5), `slices` the source z indices.
- tiny_unet_state_py.pt: the state of a tiny U-Net whose tensors are set by `fill_state`,
  written by Python: torch.save(dict(state_dict)).
- tiny_unet_state_cpp.pt: the same state written by C++ (medimg::nn::save_state_dict).

The U-Net and the fill formula are repeated in tests/cpp/nn/serialize_test.cpp and
tests/python/test_nn_serialize.py, which read both files in both languages.
"""

from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parents[2].parent / "shared" / "data" / "totalsegmentator_examples"


def liver_slices():
    import nibabel as nib
    from skimage.transform import resize

    ct = np.asarray(nib.load(SOURCE / "example_ct_sm.nii.gz").dataobj).astype(np.float32)
    seg = np.asarray(nib.load(SOURCE / "example_seg.nii.gz").dataobj)
    slices = np.linspace(1, 28, 8).round().astype(np.int64)
    images, masks = [], []
    for z in slices:
        # NIfTI (x, y) to rows and columns, anterior up.
        image = np.flipud(ct[:, :, z].T)
        mask = np.flipud((seg[:, :, z] == 5).T).astype(np.float32)
        images.append(resize(image, (64, 64), order=1, anti_aliasing=True, preserve_range=True))
        masks.append(resize(mask, (64, 64), order=1, anti_aliasing=False) > 0.5)
    np.savez_compressed(HERE / "liver_slices.npz",
                        ct=np.round(np.stack(images)).astype(np.int16)[:, None],
                        liver=np.stack(masks).astype(np.uint8)[:, None], slices=slices)


def tiny_unet():
    import medimg.nn
    return medimg.nn.UNet(spatial_dims=2, in_channels=1, out_channels=2, features=(4, 8))


def fill_state(module):
    """Entry k of state_dict(), n elements: k / 100 + 0.001 * (0, 1, ..., n - 1) in float64,
    cast to the tensor's dtype (integer buffers get k)."""
    with torch.no_grad():
        for k, tensor in enumerate(module.state_dict().values()):
            if tensor.is_floating_point():
                values = torch.arange(tensor.numel(), dtype=torch.float64) * 0.001 + k / 100
                tensor.copy_(values.reshape(tensor.shape))
            else:
                tensor.fill_(k)
    return module


if __name__ == "__main__":
    import medimg.nn

    liver_slices()
    model = fill_state(tiny_unet())
    torch.save(dict(model.state_dict()), HERE / "tiny_unet_state_py.pt")
    medimg.nn.save_state_dict(model, HERE / "tiny_unet_state_cpp.pt")
