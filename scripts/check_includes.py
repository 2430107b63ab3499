#!/usr/bin/env python3
"""The runtime's dependency rule, checked from the sources: a folder may include its own headers
and those of folders below it, never one above or beside it (docs/architecture.md).

    scripts/check_includes.py RUNTIME_DIR     lists every include that breaks the rule; exit 1 if any
    scripts/check_includes.py --self-test     shows that an upward include is caught
"""
import os
import re
import sys
import tempfile

# Lower numbers are lower in the stack. The surfaces outside runtime/ (tools/, bench/) are above all.
LEVELS = {
    "platform": 0,
    "model": 1, "kernels": 1,
    "tokenizer": 2, "backends": 2,
    "session": 3,
    "generate": 4,
    "chat": 5,
    "c_api": 6,
}
# Each public header (runtime/include/sprig/) belongs to one concept folder.
PUBLIC = {
    "status.h": "platform", "half.h": "platform", "cpu_features.h": "platform",
    "model.h": "model", "mapped_file.h": "model", "tensor_format.h": "model", "vocabulary.h": "model",
    "chat_template.h": "model",
    "kernels.h": "kernels",
    "tokenizer.h": "tokenizer", "utf8_stream.h": "tokenizer",
    "session.h": "session",
    "sampler.h": "generate", "generate.h": "generate", "stop_strings.h": "generate",
    "chat.h": "chat", "chat_format.h": "chat", "chat_json.h": "chat", "chat_date.h": "chat",
    "sprig.h": "c_api",
}
# Known exceptions, each with its reason: (from folder, included header).
ALLOWED = {
    # The session plans its arena once, the sampler's workspace included, so that nothing on the
    # token path allocates; it asks the sampler how many bytes that is and nothing else.
    ("session", "sprig/sampler.h"),
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def folder_of(runtime, path):
    rel = os.path.relpath(path, runtime).split(os.sep)
    if rel[0] == "include":
        return PUBLIC.get(rel[-1])
    return rel[0] if rel[0] in LEVELS else None


def target_of(runtime, source, name):
    """The folder an include names: "sprig/x.h" (public), "folder/x.h", "../folder/x.h" or "x.h"."""
    if name.startswith("sprig/"):
        return PUBLIC.get(name[len("sprig/"):], "?" + name)
    for base in (os.path.dirname(source), runtime):
        candidate = os.path.normpath(os.path.join(base, name))
        if os.path.exists(candidate):
            return folder_of(runtime, candidate)
    return None  # generated or system headers (model_generated.h)


def violations(runtime):
    found = []
    for root, _, files in os.walk(runtime):
        for file in sorted(files):
            if not file.endswith((".h", ".cpp", ".inl")):
                continue
            path = os.path.join(root, file)
            source = folder_of(runtime, path)
            if source is None:
                if os.path.relpath(path, runtime).startswith("include"):
                    found.append(f"{os.path.relpath(path, runtime)}: a public header no concept claims (add it to PUBLIC)")
                continue
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for name in INCLUDE.findall(text):
                target = target_of(runtime, path, name)
                if target is None or target == source or (source, name) in ALLOWED:
                    continue
                if target.startswith("?") or LEVELS[target] >= LEVELS[source]:
                    found.append(f"{os.path.relpath(path, runtime)}: includes \"{name}\" ({target}), "
                                 f"which {source} may not: it is not below it")
    return found


def self_test():
    with tempfile.TemporaryDirectory() as runtime:
        for folder in ("model", "session", "include/sprig"):
            os.makedirs(os.path.join(runtime, folder))
        with open(os.path.join(runtime, "include/sprig/session.h"), "w") as f:
            f.write("#pragma once\n")
        with open(os.path.join(runtime, "session/ok.cpp"), "w") as f:
            f.write('#include "model/x.h"\n#include "sprig/session.h"\n')
        with open(os.path.join(runtime, "model/x.h"), "w") as f:
            f.write('#pragma once\n#include "sprig/session.h"\n')  # upward: model -> session
        found = violations(runtime)
        if len(found) != 1 or "model/x.h" not in found[0]:
            print("self-test: expected exactly the upward include model/x.h -> sprig/session.h, got", found)
            return 1
        print("self-test: the upward include was caught:", found[0])
        return 0


def main():
    if sys.argv[1:] == ["--self-test"]:
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    found = violations(sys.argv[1])
    for line in found:
        print(line)
    print(f"include graph: {len(found)} include(s) against the dependency rule")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
