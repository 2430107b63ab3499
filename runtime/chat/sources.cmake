# Conversations: templates, JSON, replies
list(APPEND SPRIG_RUNTIME_SOURCES
  runtime/chat/chat.cpp
  runtime/chat/chat_format.cpp
  runtime/chat/chat_json.cpp
  runtime/chat/chat_date.cpp
)
