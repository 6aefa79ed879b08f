"""Seeded random transforms for image and label together, 2D and 3D.

Every transform is the C++ class itself (the same code a C++ pipeline runs). Call one on an
image, optionally with its label map::

    rng = medimg.augment.Random(seed=0)
    affine = medimg.augment.RandAffine(rotation=(-15, 15), scale=(0.9, 1.1))
    image, label = affine(image, label, random=rng)

Images are channel first, ``(C, Y, X)`` or ``(C, Z, Y, X)``; a label may omit the channel
axis. numpy arrays, torch tensors and ``medimg.Image`` come back as the same kind. Drawing
and applying are separate (``params = t.sample(rng, shape)``, ``t.apply(image, params,
label)``), so one draw can serve several images. Guide: docs/augment.md.
"""

from ._transforms import (AffineParams, BrightnessParams, Compose, ElasticParams, NoiseParams,
                          Random, RandAffine, RandBiasField, RandBrightness, RandContrast,
                          RandCropByLabel, RandElastic, RandFlip, RandGamma, RandGaussianNoise,
                          RandGaussianSmooth, RandRot90, Transform, affine_batch, affine_matrix,
                          bias_field_terms)

__all__ = ["AffineParams", "BrightnessParams", "Compose", "ElasticParams", "NoiseParams",
           "Random", "RandAffine", "RandBiasField", "RandBrightness", "RandContrast",
           "RandCropByLabel", "RandElastic", "RandFlip", "RandGamma", "RandGaussianNoise",
           "RandGaussianSmooth", "RandRot90", "Transform", "affine_batch", "affine_matrix",
           "bias_field_terms"]
