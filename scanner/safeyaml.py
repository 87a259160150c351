"""YAML from people who may be hostile: a safe loader that refuses aliases and bounds nesting.

Contract
--------
:func:`load` parses one YAML document with PyYAML's safe loader (libyaml's when built
with it) after a first pass over the parser's events that refuses, with
:class:`YamlLimitError` naming the limit:

* any alias (``*name``) when ``aliases`` is False (inputs and rule files: a kilobyte of
  nested aliases, "billion laughs", expands to billions of nodes); with ``aliases=True``
  (the shipped knowledge files, which name each law once with an anchor) aliases are
  counted as the nodes they expand to, so the same bomb is refused by the node limit;
* nesting deeper than :data:`scanner.limits.MAX_YAML_DEPTH` and more than
  :data:`scanner.limits.MAX_YAML_NODES` nodes;
* plain (unquoted) scalars longer than :data:`scanner.limits.MAX_NUMBER_CHARS` that
  would be read as numbers (a 5,000-digit integer is refused by Python's int conversion).

Ordinary syntax errors are raised as :class:`yaml.YAMLError` as before. Callers turn
both into their own typed error (InputError for inputs, RulesetError for rules).
"""

from __future__ import annotations

import re
from typing import Any

from scanner.limits import MAX_NUMBER_CHARS, MAX_YAML_DEPTH, MAX_YAML_NODES

_NUMBERISH = re.compile(r"[-+]?[0-9._]+(?:[eE][-+]?[0-9]+)?|[-+]?0[xob][0-9a-fA-F_]+")


class YamlLimitError(ValueError):
    """The YAML document uses an alias or exceeds a size limit: a catalog key of which
    (``yaml_…``, scanner.messages) and its parameters; ``str()`` is the English text."""

    def __init__(self, key: str, /, **params: Any) -> None:
        from scanner.messages import english, msg

        self.key, self.params = key, params
        super().__init__(english(msg(key, **params)))

    def message(self) -> dict[str, Any]:
        from scanner.messages import msg

        return msg(self.key, **self.params)


def _loader() -> Any:
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def check_events(raw: bytes | str, aliases: bool = False) -> None:
    """Refuse aliases (or count what they expand to), deep nesting, too many nodes and
    oversize numbers (see contract)."""
    import yaml

    nodes = 0
    stack: list[tuple[str | None, int]] = []  # (anchor, expanded nodes before it opened)
    sizes: dict[str, int] = {}  # anchor -> expanded nodes of its value
    for ev in yaml.parse(raw, Loader=_loader()):
        if isinstance(ev, yaml.AliasEvent):
            if not aliases:
                raise YamlLimitError("yaml_alias")
            nodes += sizes.get(ev.anchor, 1)
        elif isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            stack.append((ev.anchor, nodes))
            nodes += 1
            if len(stack) > MAX_YAML_DEPTH:
                raise YamlLimitError("yaml_deep", max=MAX_YAML_DEPTH)
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            anchor, before = stack.pop()
            if anchor is not None:
                sizes[anchor] = nodes - before
        elif isinstance(ev, yaml.ScalarEvent):
            nodes += 1
            if ev.anchor is not None:
                sizes[ev.anchor] = 1
            v = ev.value
            if (ev.style is None and len(v) > MAX_NUMBER_CHARS and ev.tag is None
                    and _NUMBERISH.fullmatch(v)):
                raise YamlLimitError("yaml_number", n=len(v), max=MAX_NUMBER_CHARS)
        if nodes > MAX_YAML_NODES:
            raise YamlLimitError("yaml_nodes", max=MAX_YAML_NODES)


def load(raw: bytes | str, aliases: bool = False) -> Any:
    """Check then parse one document (see contract)."""
    import yaml

    check_events(raw, aliases)
    try:
        return yaml.load(raw, Loader=_loader())  # noqa: S506 - a safe loader
    except (ValueError, OverflowError, RecursionError) as e:  # int/float conversion limits
        if isinstance(e, YamlLimitError):
            raise
        raise YamlLimitError("yaml_value", detail=str(e)[:120]) from e
