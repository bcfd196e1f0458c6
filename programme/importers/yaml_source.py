"""Reading a fixture file into plain Python values that remember their line numbers.

PyYAML's composer gives every node its position; we construct the values ourselves so
that each mapping and list knows the line it started on, and so that a key written twice
in one mapping is an error instead of silently keeping the last value.
"""

from dataclasses import dataclass

import yaml


class LocatedDict(dict):
    """A mapping from the file; `line` is where it starts, `key_lines` where each key is."""

    line: int = 0
    key_lines: dict


class LocatedList(list):
    line: int = 0
    item_lines: list


@dataclass(frozen=True)
class SourceError:
    """One problem in a file, at a path such as `sessions[12].talks[3].title`."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self):
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DuplicateKeyError(Exception):
    def __init__(self, key, line):
        super().__init__(f"key {key!r} is written twice in one mapping (line {line})")
        self.line = line


def read_yaml(text: str):
    """Parse `text` into LocatedDict / LocatedList / scalars.

    Raises yaml.YAMLError for syntax errors and DuplicateKeyError for repeated keys.
    """
    # libyaml (CSafeLoader) composes several times faster than the pure-Python loader.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        return _construct(loader, node)
    finally:
        loader.dispose()


def _construct(loader, node):
    if isinstance(node, yaml.MappingNode):
        value = LocatedDict()
        value.line = node.start_mark.line + 1
        value.key_lines = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if key in value:
                raise DuplicateKeyError(key, key_node.start_mark.line + 1)
            value[key] = _construct(loader, value_node)
            value.key_lines[key] = key_node.start_mark.line + 1
        return value
    if isinstance(node, yaml.SequenceNode):
        value = LocatedList(_construct(loader, item) for item in node.value)
        value.line = node.start_mark.line + 1
        value.item_lines = [item.start_mark.line + 1 for item in node.value]
        return value
    try:
        return loader.construct_object(node, deep=True)
    except ValueError:
        # A scalar that looks like a date but is none (2025-08-32): keep the text, so
        # that the field's check reports it with its place.
        return node.value
