"""Messages a person reads, kept translatable: an English template with named `%(name)s`
placeholders and its parameters, already formatted as text.

The engine and the evidence readers are pure Python, so they cannot ask Django for a language.
They build a `Text`; its English rendering is the `message` the JSON, the `assess` command and
the stored results keep, and the portal renders the same `Text` in the reader's language
(`filings.presentation.message_in_language`). Templates are marked with `N_`, which
`portal.translations` hands to xgettext as a keyword, so they are extracted into the catalogues
like any other string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Union


def N_(template: str) -> str:
    """Mark a message template for extraction; it stays English here."""
    return template


def _as_is(template: str) -> str:
    return template


# A parameter is text as it is shown (a number, a date, a code), or a Text of its own: a word
# or a phrase that is translated too.
Param = Union[str, "Text"]
Params = tuple[tuple[str, Param], ...]


@dataclass(frozen=True, slots=True)
class Text:
    template: str
    params: Params = ()

    def render(self, translate: Callable[[str], str] = _as_is) -> str:
        """The message; `translate` gives a template's translation (English by default)."""
        values = {name: value.render(translate) if isinstance(value, Text) else value
                  for name, value in self.params}
        return translate(self.template) % values

    def to_dict(self) -> dict[str, Any]:
        return {"template": self.template, "params": params_to_dict(self.params)}


def text(template: str, **params: Param) -> Text:
    """`text(TEMPLATE, count="3")`: a Text with its parameters in the order given."""
    return Text(template, tuple(params.items()))


def params_to_dict(params: Params) -> dict[str, Any]:
    return {name: value.to_dict() if isinstance(value, Text) else value for name, value in params}


def text_from_dict(template: object, params: object) -> Text | None:
    """The Text a stored result holds (`template`, `params` as `to_dict` wrote them); None when
    it holds none (a result stored before messages were translatable) or a malformed one."""
    if not isinstance(template, str) or not template:
        return None
    if params is None:
        params = {}
    if not isinstance(params, Mapping):
        return None
    parsed: list[tuple[str, Param]] = []
    for name, value in params.items():
        if isinstance(value, Mapping):
            nested = text_from_dict(value.get("template"), value.get("params"))
            if nested is None:
                return None
            parsed.append((str(name), nested))
        else:
            parsed.append((str(name), str(value)))
    return Text(template, tuple(parsed))
