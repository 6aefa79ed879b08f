# Installs the built library into a scratch prefix, then configures, builds and runs
# examples/cpp against it exactly as a user's project would (find_package(medimg)).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGV} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "failed (${status}): ${ARGV}")
  endif()
endfunction()

run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component medimg_development)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --component medimg_runtime)
run(${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/cpp -B ${WORK_DIR}/build
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
run(${WORK_DIR}/build/quickstart ${SOURCE_DIR}/data/ct_small.dcm ${WORK_DIR}/quickstart.png)
if(NOT EXISTS ${WORK_DIR}/quickstart.png)
  message(FATAL_ERROR "the example ran but wrote no PNG")
endif()
