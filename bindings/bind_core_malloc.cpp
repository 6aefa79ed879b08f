// What loading libmedimg did to glibc's malloc (medimg/core/malloc_tuning.hpp).
#include "common.hpp"

#include "medimg/core/malloc_tuning.hpp"

namespace medimg::python {

void bind_core_malloc(py::module_& m) {
  m.def("_malloc_tuning", [] { return malloc_tuning().description; },
        "The glibc malloc settings made when libmedimg loaded, or why none were made.");
}

}  // namespace medimg::python
