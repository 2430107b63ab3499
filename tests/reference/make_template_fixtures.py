#!/usr/bin/env python3
"""Renders the chat templates of today's small models into the prompts sprig must reproduce.

Usage (from the repository root; commit the output):
  /usr/bin/python3 tests/reference/make_template_fixtures.py ../shared tests/reference/template_fixtures

Each template of ../shared/chat-templates/ (MANIFEST.md there says where each comes from) is
rendered the way Hugging Face's apply_chat_template renders it: python3-jinja2's sandboxed
environment with trim_blocks and lstrip_blocks, raise_exception, tojson, strftime_now, and
{% generation %} blocks rendered as their body. The date is pinned to DATE (strftime_now and
Llama's date_string both see it), so sprig's --date DATE must give the same bytes. Templates
with a reasoning switch are rendered with it off and on (Qwen3 and SmolLM3 enable_thinking; the
default is each template's own when the variable is absent, written as variant "default").

Conversations: ../shared/eval/conversation.json with and without its system message, plus
CONVERSATIONS below (no system, multi-turn, Korean, empty content, leading and trailing spaces,
multi-line, and an earlier assistant turn holding <think> reasoning). Every fixture ends with
the generation prompt. Output: NAME.CONVERSATION.VARIANT.txt (exact bytes) and index.json,
which holds the date, the conversations and each fixture's template, conversation and variant.
"""
import datetime
import json
import os
import sys

import jinja2
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment

DATE = datetime.date(2026, 3, 9)

TEMPLATES = {
    # name: (file stem in ../shared/chat-templates, reasoning switch variable or None)
    "llama-3.2": ("llama-3.2-instruct", None),
    "qwen3": ("qwen3", "enable_thinking"),
    "gemma3": ("gemma3-it", None),
    "smollm2": ("smollm2-instruct", None),
    "smollm3": ("smollm3-3b", "enable_thinking"),
    "phi-4-mini": ("phi-4-mini-instruct", None),
    "phi-3.5": ("phi-3.5-mini-instruct", None),
    "deepseek-r1": ("deepseek-r1-distill-qwen-1.5b", None),
    "mistral-v0.3": ("mistral-7b-instruct-v0.3", None),
    "granite-3.3": ("granite-3.3-2b-instruct", None),
}

CONVERSATIONS = {
    "single": [{"role": "user", "content": "Hello!"}],
    "multi_turn": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "Name a colour."},
        {"role": "assistant", "content": "Blue."},
        {"role": "user", "content": "Another?"},
        {"role": "assistant", "content": "Green."},
        {"role": "user", "content": "One more."},
    ],
    "korean": [{"role": "user", "content": "안녕하세요, 오늘 날씨 어때요?"}],
    "empty": [{"role": "system", "content": ""}, {"role": "user", "content": ""}],
    "spaces": [{"role": "user", "content": "  two spaces before, one after "},
               {"role": "assistant", "content": " reply with spaces  "},
               {"role": "user", "content": "\tand a tab"}],
    "multi_line": [{"role": "system", "content": "Line one.\nLine two."},
                   {"role": "user", "content": "first\n\nthird line\n"}],
    "reasoning_history": [
        {"role": "user", "content": "What is 2+2?"},
        {"role": "assistant", "content": "<think>\nTwo and two make four.\n</think>\n\n4"},
        {"role": "user", "content": "And 3+3?"},
    ],
    # SmolLM3 reads "/think" and "/no_think" out of the system message and strips what remains.
    "system_flags": [{"role": "system", "content": "Answer briefly. /no_think \n"},
                     {"role": "user", "content": "Hi"}],
    # A reply that starts with newlines (SmolLM3 writes it without them).
    "newline_reply": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "\n\nHello."},
                      {"role": "user", "content": "Bye"}],
}


class GenerationTag(Extension):
    """{% generation %}...{% endgeneration %} (transformers' assistant-mask marker): its body."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return nodes.Scope(body, lineno=lineno)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def special(tokens, name):
    value = tokens.get(name)
    if isinstance(value, dict):
        return value.get("content", "")
    return value or ""


def render(source, tokens, messages, switch_value, switch):
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[GenerationTag])
    env.filters["tojson"] = lambda value, indent=None, **_: json.dumps(value, ensure_ascii=False, indent=indent)
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: DATE.strftime(fmt)
    variables = dict(messages=messages, add_generation_prompt=True, tools=None,
                     bos_token=special(tokens, "bos_token"), eos_token=special(tokens, "eos_token"),
                     date_string=DATE.strftime("%d %b %Y"))
    if switch is not None and switch_value is not None:
        variables[switch] = switch_value
    return env.from_string(source).render(**variables)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    shared, out_dir = sys.argv[1], sys.argv[2]
    with open(os.path.join(shared, "eval", "conversation.json"), encoding="utf-8") as f:
        conversation = json.load(f)
    conversations = {"eval": conversation, "eval_no_system": [m for m in conversation if m["role"] != "system"]}
    conversations.update(CONVERSATIONS)
    os.makedirs(out_dir, exist_ok=True)
    index = []
    for name, (stem, switch) in TEMPLATES.items():
        with open(os.path.join(shared, "chat-templates", stem + ".jinja"), encoding="utf-8") as f:
            source = f.read()
        with open(os.path.join(shared, "chat-templates", stem + ".tokens.json"), encoding="utf-8") as f:
            tokens = json.load(f)
        variants = {"default": None} if switch is None else {"default": None, "think_off": False, "think_on": True}
        for conversation_name, messages in conversations.items():
            for variant, value in variants.items():
                try:
                    text = render(source, tokens, messages, value, switch)
                except jinja2.exceptions.TemplateError as e:
                    text, error = None, str(e)
                file_name = f"{name}.{conversation_name}.{variant}.txt"
                entry = {"template": name, "source": stem + ".jinja", "conversation": conversation_name,
                         "variant": variant}
                if text is None:
                    entry["error"] = error
                else:
                    entry["file"] = file_name
                    with open(os.path.join(out_dir, file_name), "w", encoding="utf-8", newline="") as f:
                        f.write(text)
                index.append(entry)
    with open(os.path.join(out_dir, "index.json"), "w", encoding="utf-8") as f:
        json.dump({"date": DATE.isoformat(), "conversations": conversations, "fixtures": index}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{out_dir}: {sum('file' in e for e in index)} fixtures, {sum('error' in e for e in index)} template errors")


if __name__ == "__main__":
    main()
