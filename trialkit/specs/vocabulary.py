"""The building blocks of a specification: named choices and documented options.

A :class:`Choice` is one allowed value of an option (its code, the label a report prints,
what it means, and the aliases accepted for it). An :class:`Option` is one field of a spec:
its kind of value, default, meaning and choices. The plan key table, the starter plan,
``docs/plan.md`` and the report's method labels are all generated from these, so a name or a
default is written once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Choice:
    """One allowed value of an option.

    Attributes
    ----------
    code
        The canonical value, as written in a plan and stored in a result.
    label
        The words a report prints for it.
    doc
        One sentence saying what it means (for the docs).
    aliases
        Other spellings accepted and turned into ``code`` (e.g. SAS's ``un`` for ``us``).
    """

    code: str
    label: str
    doc: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Vocabulary:
    """An ordered set of choices, looked up by code or alias (case-insensitive)."""

    choices: tuple[Choice, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.choices)

    @property
    def accepted(self) -> tuple[str, ...]:
        """Codes and aliases, in order: every spelling a plan may use."""
        out: list[str] = []
        for c in self.choices:
            out.append(c.code)
            out.extend(c.aliases)
        return tuple(out)

    def canonical(self, value: str) -> str | None:
        """The code for ``value`` (a code or an alias, any case), or None when unknown."""
        key = str(value).strip().lower()
        for c in self.choices:
            if key == c.code.lower() or key in (a.lower() for a in c.aliases):
                return c.code
        return None

    def label(self, code: str) -> str:
        """The report label of ``code`` (``code`` itself when unknown)."""
        found = self.canonical(code)
        for c in self.choices:
            if c.code == found:
                return c.label
        return code

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.choices)


def vocabulary(choices: Iterable[Choice]) -> Vocabulary:
    """A :class:`Vocabulary` of ``choices`` (codes must be unique)."""
    items = tuple(choices)
    codes = [c.code for c in items]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate codes in a vocabulary")
    return Vocabulary(items)


@dataclass(frozen=True)
class Option:
    """One field of a spec, described for the plan, the docs and the starter plan.

    Attributes
    ----------
    name
        The spec field name, which is also the plan key.
    kind
        The plan's kind of value (``"string"``, ``"boolean"``, ``"strings"``, ``"number"``).
    doc
        What the option does.
    default
        The default value (the spec's own field default).
    choices
        The allowed values, for options that take a name.
    plan_key
        False for fields set from elsewhere in the plan (e.g. ``alpha`` from ``[analysis]``).
    starter
        True to write the option, with its choices, into the starter plan.
    required
        The plan must give it.
    """

    name: str
    kind: str
    doc: str
    default: Any = None
    choices: Vocabulary | None = None
    plan_key: bool = True
    starter: bool = False
    required: bool = False

    @property
    def accepted(self) -> tuple[str, ...]:
        return self.choices.accepted if self.choices is not None else ()
