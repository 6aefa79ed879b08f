import sys
import numpy as np
import medimg

ct = medimg.io.read(sys.argv[1])                             # DICOM file or folder, NIfTI, PNG
print(ct.shape, ct.spacing, ct.affine, sep="\n")             # Hounsfield units, LPS geometry
body = ct.array[0] > -500                                    # a threshold in HU
depth = medimg.metrics.distance_transform_edt(body, ct.spacing)
lung = np.clip((ct.array + 1350) / 1500, 0, 1) * 255         # window -600 / 1500
medimg.io.write_png(sys.argv[2], lung.astype(np.uint8))
print("deepest body voxel (mm from air):", depth.max())
