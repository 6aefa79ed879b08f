"""Synthetic images with known truth, for testing and for training where labelled real data
is scarce (docs/phantoms.md, docs/fundus.md)."""

from .._medimg import CtPhantom, FundusLesion, FundusPhantom, PhantomNodule, ct_phantom
from ._fundus import fundus_dataset, fundus_phantom

__all__ = ["CtPhantom", "FundusLesion", "FundusPhantom", "PhantomNodule", "ct_phantom",
           "fundus_dataset", "fundus_phantom"]
