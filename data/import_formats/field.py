"""What an import format is: its fields (name, kind, header aliases, choices) and the registry.

``FORMATS`` is filled by the package (``data.import_formats``) from the domain modules, in the
order the upload page lists the facts.
"""

from __future__ import annotations

from dataclasses import dataclass

FIELD_KINDS = ("text", "code", "number", "timestamp", "date", "enum", "unit")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    aliases: tuple[str, ...]
    required: bool = False
    max_len: int | None = None
    # enum: canonical code -> the words that mean it (zh, en, code itself is always accepted)
    choices: tuple[tuple[str, tuple[str, ...]], ...] = ()
    personal: bool = False  # masked for users without view_personal_data


@dataclass(frozen=True)
class FactFormat:
    fact: str
    domain: str
    table: str
    fields: tuple[Field, ...]
    natural_key: tuple[str, ...]
    # Groups of which at least one must be fully present: (("meter_code",), ("building_code", "meter_kind"))
    alternatives: tuple[tuple[str, ...], ...] = ()

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _f(name, kind, *aliases, required=False, max_len=None, choices=(), personal=False) -> Field:
    return Field(name, kind, tuple(aliases), required, max_len, tuple(choices), personal)


FORMATS: dict[str, FactFormat] = {}


def _register(fmt: FactFormat) -> None:
    FORMATS[fmt.fact] = fmt
