"""Networks (medimg.nn): U-Net, ResNet, EfficientNet, CBAM and a 3D CNN classifier, the
training losses, ordinal (CORAL) outputs, Grad-CAM, and model files (build_network, save_model, load_model).

Each is the C++ network of medimg::nn (the code C++ applications run), bound as a
torch.nn.Module: parameters(), state_dict()/load_state_dict(), train()/eval(), .to(),
optimizers and autograd work as for any PyTorch module. See docs/nn.md.
"""

from ._module import CppModule
from ._networks import *  # noqa: F401,F403
from ._networks import __all__ as _networks_all
from ._tools import *  # noqa: F401,F403
from ._tools import __all__ as _tools_all
from ._losses import *  # noqa: F401,F403
from ._losses import __all__ as _losses_all
from ._gradcam import *  # noqa: F401,F403
from ._gradcam import __all__ as _gradcam_all
from ._export import *  # noqa: F401,F403
from ._export import __all__ as _export_all
from ._ordinal import *  # noqa: F401,F403
from ._ordinal import __all__ as _ordinal_all

__all__ = ["CppModule"]
__all__ += _networks_all
__all__ += _tools_all
__all__ += _losses_all
__all__ += _gradcam_all
__all__ += _export_all
__all__ += _ordinal_all
