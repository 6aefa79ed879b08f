import sys
import numpy as np
import medimg

ct = medimg.io.read_raster(sys.argv[1])                      # stored values, (1, 128, 128)
ct = medimg.Image(ct, spacing=(0.661468, 0.661468), origin=(-158.135803, -179.035797, -75.699997))
hu = ct.array.astype(np.float32) - 1024                      # RescaleIntercept
lung = np.clip((hu + 1350) / 1500, 0, 1) * 255               # window -600 / 1500
medimg.io.write_png(sys.argv[2], lung.astype(np.uint8))
print(ct, ct.affine, "mean HU", medimg.channel_stats(hu)[0].mean, sep="\n")
