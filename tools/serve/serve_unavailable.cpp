// sprig serve in a build without cpp-httplib or nlohmann-json: a clear error instead.
#include "commands.h"

namespace sprig::cli {

const char* kServeUsage = "usage: sprig serve -m model.sprig [options] (this build has no HTTP server)\n";

int serve_command(int, char**) {
  return report_error("this sprig was built without the HTTP server (needs cpp-httplib and nlohmann-json: "
                      "Debian libcpp-httplib-dev, nlohmann-json3-dev)");
}

}  // namespace sprig::cli
