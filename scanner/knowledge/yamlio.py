"""Reading the YAML of rulesets/ and reports/: libyaml when available, pre-parsed content
for shipped files (:mod:`scanner.knowledge.validated`), parse errors as RulesetError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanner.errors import RulesetError
from scanner.knowledge.validated import parsed_yaml


def load_yaml(raw: bytes, aliases: bool = True) -> Any:
    """PyYAML's safe loader, libyaml's when PyYAML was built with it (five times faster),
    behind :mod:`scanner.safeyaml`'s checks (aliases counted as what they expand to, or
    refused; nesting, node count and number size bounded); imported on first use, since
    shipped files usually come pre-parsed."""
    from scanner import safeyaml

    return safeyaml.load(raw, aliases=aliases)


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning parse errors into :class:`RulesetError`."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError as e:
        raise RulesetError("err_rs_missing_file", path=str(path)) from e
    return parse_yaml(raw, path)


def parse_yaml(raw: bytes, where: str | Path, aliases: bool = True) -> Any:
    """Parse YAML bytes, turning parse errors and limits (:mod:`scanner.safeyaml`) into
    :class:`RulesetError`; ``aliases=False`` refuses YAML aliases (rule files).

    Shipped files whose exact bytes were parsed by ``python -m scanner.knowledge.validated``
    are taken from its JSON rendering (ten times faster than YAML); see that module.
    """
    known = parsed_yaml(raw)
    if known is not None:
        return known
    import yaml

    from scanner.safeyaml import YamlLimitError

    try:
        return load_yaml(raw, aliases)
    except yaml.YAMLError as e:
        raise RulesetError("err_rs_invalid_yaml", where=str(where),
                           detail=str(e).replace("\n", " ")) from e
    except YamlLimitError as e:
        raise RulesetError("err_rs_yaml_limit", where=str(where), detail=e.message()) from e
