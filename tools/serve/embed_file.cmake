# Turns a file into a C++ source holding its bytes (run with cmake -P at build time):
#   -DINPUT=page.html -DOUTPUT=page_data.cpp -DSYMBOL=kChatPage -DNAMESPACE=sprig::serve
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
# One line per 32 bytes keeps the generated file readable by compilers' diagnostics.
string(REGEX REPLACE "(('[^']+',){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUTPUT}"
  "// Generated from ${INPUT} by embed_file.cmake: do not edit.\n"
  "#include <cstddef>\n"
  "namespace ${NAMESPACE} {\n"
  "extern const char ${SYMBOL}[] = {\n${bytes}\n'\\0'};\n"
  "extern const size_t ${SYMBOL}Size = ${size};\n"
  "}\n")
