// Server-sent events: each event one "data: ...\n\n" block, written as it happens.
#pragma once

#include <string>
#include <string_view>

#include <httplib.h>

namespace sprig::serve {

// False once the client is gone (the write failed or timed out): generation should stop.
inline bool send_event(httplib::DataSink& sink, std::string_view data) {
  std::string event;
  event.reserve(data.size() + 8);
  event += "data: ";
  event += data;
  event += "\n\n";
  return sink.write(event.data(), event.size());
}

}  // namespace sprig::serve
