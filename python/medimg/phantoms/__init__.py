"""Synthetic images with known truth, for testing and for training where labelled real data
is scarce (docs/phantoms.md)."""

from .._medimg import CtPhantom, PhantomNodule, ct_phantom

__all__ = ["CtPhantom", "PhantomNodule", "ct_phantom"]
