# Text <-> token ids (SentencePiece, byte-level BPE, pre-tokenizer, UTF-8 streaming)
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/tokenizer/byte_level.cpp
  runtime/tokenizer/pretokenizer.cpp
  runtime/tokenizer/tokenizer.cpp
  runtime/tokenizer/tokenizer_byte_level.cpp
  runtime/tokenizer/tokenizer_merge.cpp
  runtime/tokenizer/tokenizer_spm.cpp
  runtime/tokenizer/unicode.cpp
  runtime/tokenizer/utf8_stream.cpp
)
