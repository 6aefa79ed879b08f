# Every dependency comes from a Debian 12 package; nothing is downloaded.

# Torch's config adds -D_GLIBCXX_USE_CXX11_ABI to its imported target; that is all we need
# from TORCH_CXX_FLAGS.
find_package(Torch REQUIRED)
# The same runtime (libgomp) as Debian's LibTorch: see src/CMakeLists.txt.
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Eigen3 3.3 REQUIRED NO_MODULE)
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs)
find_package(GDCM REQUIRED)
find_package(NIfTI REQUIRED)
# .npz archives (io/npz.cpp) are inflated with zlib.
find_package(ZLIB REQUIRED)
# Training configurations (train/config_node.cpp): JSON and YAML files.
find_package(nlohmann_json 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
# Data-parallel training (train/distributed.cpp) uses LibTorch's c10d Gloo process group; its
# symbols are in libtorch_cpu, its headers include Gloo's (libgloo-dev).
find_path(GLOO_INCLUDE_DIR gloo/config.h REQUIRED)

if(MEDIMG_BUILD_PYTHON OR MEDIMG_BUILD_TESTS)
  # Debian's interpreter: its site packages hold torch, numpy and the reference libraries.
  if(NOT DEFINED Python3_EXECUTABLE AND EXISTS /usr/bin/python3)
    set(Python3_EXECUTABLE /usr/bin/python3)
  endif()
  find_package(Python3 REQUIRED COMPONENTS Interpreter Development.Module)
endif()
if(MEDIMG_BUILD_PYTHON)
  find_package(pybind11 2.6 REQUIRED CONFIG)
  # The at::Tensor <-> torch.Tensor casters live in libtorch_python, beside libtorch.
  get_target_property(_torch_location torch IMPORTED_LOCATION_RELWITHDEBINFO)
  if(NOT _torch_location)
    get_target_property(_torch_location torch IMPORTED_LOCATION)
  endif()
  get_filename_component(_torch_libdir "${_torch_location}" DIRECTORY)
  find_library(TORCH_PYTHON_LIBRARY torch_python HINTS "${_torch_libdir}" REQUIRED)
endif()
if(MEDIMG_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
endif()
