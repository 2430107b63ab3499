#!/usr/bin/env python3
"""Renders real Jinja chat templates into the expected prompts sprig must reproduce.

Uses python3-jinja2 the way Hugging Face's apply_chat_template does (a sandboxed environment
with trim_blocks and lstrip_blocks, raise_exception, tojson), so the fixtures are the prompts the
models' own tooling would build. Run once from the repository root and commit the output:

  /usr/bin/python3 tests/reference/make_chat_fixtures.py ../shared tests/reference/chat_fixtures

Each fixture NAME.txt holds the exact bytes; the conversations are ../shared/eval/conversation.json
and the same conversation without its system message, both with the generation prompt.
"""
import json
import os
import sys

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

TOKENIZERS = ["qwen2.5", "phi-3-mini-4k-instruct"]


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def special_text(config, name):
    value = config.get(name)
    if isinstance(value, dict):
        return value.get("content", "")
    return value or ""


def render(config, messages, add_generation_prompt):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value, indent=None: json.dumps(value, ensure_ascii=False, indent=indent)
    env.globals["raise_exception"] = raise_exception
    template = env.from_string(config["chat_template"])
    return template.render(messages=messages, add_generation_prompt=add_generation_prompt, tools=None,
                           bos_token=special_text(config, "bos_token"), eos_token=special_text(config, "eos_token"))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    shared, out_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(shared, "eval", "conversation.json"), encoding="utf-8") as f:
        conversation = json.load(f)
    conversations = {
        "conversation": conversation,
        "no_system": [m for m in conversation if m["role"] != "system"],
    }
    os.makedirs(out_dir, exist_ok=True)
    for tokenizer in TOKENIZERS:
        with open(os.path.join(shared, "tokenizers", tokenizer, "tokenizer_config.json"), encoding="utf-8") as f:
            config = json.load(f)
        for name, messages in conversations.items():
            text = render(config, messages, add_generation_prompt=True)
            path = os.path.join(out_dir, f"{tokenizer}.{name}.txt")
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
            print(f"{path}: {len(text.encode('utf-8'))} bytes")


if __name__ == "__main__":
    main()
