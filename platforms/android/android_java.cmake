# The Java API (org.sprig) over its JNI library, libsprig_jni. On the host both are built when a
# JDK is found (the jar through UseJava); with the Android NDK's toolchain only the library is
# (jni.h comes with the NDK, and Gradle compiles the Java sources: build.gradle here).
set(SPRIG_JNI_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/jni/utf_convert.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/jni_support.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/jni_sampler.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/sprig_jni_model.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/sprig_jni_session.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/sprig_jni_session_state.cpp
  ${CMAKE_CURRENT_LIST_DIR}/jni/sprig_jni_chat.cpp)
file(GLOB SPRIG_JAVA_SOURCES ${CMAKE_CURRENT_LIST_DIR}/java/org/sprig/*.java)

if(ANDROID)
  set(SPRIG_JNI_INCLUDE_DIRS "")
elseif(CMAKE_CROSSCOMPILING)
  # A cross build for ARM Linux (the Pi) has no JVM of its target to run the library in.
  message(STATUS "sprig Java API: skipped in a cross build other than Android")
  return()
else()
  find_package(Java 11 COMPONENTS Development)
  # The JDK that javac belongs to (FindJNI alone knows only a few fixed folders).
  if(Java_FOUND AND NOT JAVA_HOME AND NOT DEFINED ENV{JAVA_HOME})
    get_filename_component(javac_path ${Java_JAVAC_EXECUTABLE} REALPATH)
    get_filename_component(JAVA_HOME ${javac_path} DIRECTORY)
    get_filename_component(JAVA_HOME ${JAVA_HOME} DIRECTORY)
  endif()
  find_package(JNI)
  if(NOT Java_FOUND OR NOT JNI_FOUND)
    message(STATUS "sprig Java API: skipped (no JDK found; Debian: openjdk-17-jdk-headless)")
    return()
  endif()
  set(SPRIG_JNI_INCLUDE_DIRS ${JNI_INCLUDE_DIRS})
endif()

# The runtime is linked into a shared library.
set_target_properties(sprig_runtime PROPERTIES POSITION_INDEPENDENT_CODE ON)
add_library(sprig_jni SHARED ${SPRIG_JNI_SOURCES})
target_include_directories(sprig_jni PRIVATE ${SPRIG_JNI_INCLUDE_DIRS})
target_link_libraries(sprig_jni PRIVATE sprig_runtime)
# Only the JNI entry points leave the library; the runtime's symbols stay inside.
set_target_properties(sprig_jni PROPERTIES CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
target_link_options(sprig_jni PRIVATE -Wl,--exclude-libs,ALL)

if(NOT ANDROID)
  include(UseJava)
  add_jar(sprig_java SOURCES ${SPRIG_JAVA_SOURCES} OUTPUT_NAME sprig)
  set(SPRIG_JAVA_FOUND ON)
endif()
